import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;

export const fixture = (path: string): string => readFileSync(FIXTURES + path, 'utf8');

/** Sends one message with util-linux `logger`, the way a Linux host would. */
export async function logger(port: number, message: string, flags: string[]): Promise<void> {
  await run('logger', [...flags, '-n', '127.0.0.1', '-P', String(port), '-t', 'vigil-test', message]);
}

/** Writes raw bytes on one TCP connection and closes it. */
export function sendTcp(port: number, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes, () => resolve()));
    socket.on('error', reject);
  });
}

export async function post(port: number, path: string, body: string, contentType?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body,
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
  });
}

/**
 * One of each input, as real senders send them: syslog over UDP and octet-counted TCP (`logger`),
 * an LF-framed NeuVector stream of 3 messages, and the NeuVector, Falco, Kubernetes audit and
 * Alertmanager webhooks (plus `json`, one object for /ingest/json, when given). Fails unless every
 * webhook answered 200; resolves to the number of events vigil should forward.
 */
export async function sendOneOfEach(vigil: { port(listener: 'http' | 'udp' | 'tcp'): number }, json?: string): Promise<number> {
  await logger(vigil.port('udp'), 'udp marker-1', ['--udp', '--rfc5424']);
  await logger(vigil.port('tcp'), 'tcp marker-2', ['--tcp', '--octet-count', '--rfc5424']);
  await sendTcp(vigil.port('tcp'), fixture('framing/tcp-lf-stream-01.txt'));
  const http = vigil.port('http');
  const replies = await Promise.all([
    post(http, '/ingest/neuvector', fixture('neuvector/webhook-json-invalid-01.json'), 'application/json'),
    post(http, '/ingest/falco', fixture('falco/terminal-shell-in-container.json'), 'application/json'),
    post(http, '/ingest/k8s-audit', fixture('k8s-audit/eventlist-secret-get-forbidden.json'), 'application/json'),
    post(http, '/ingest/alertmanager', fixture('alertmanager/resolved-v4-notification-reason.json'), 'application/json'),
    ...(json === undefined ? [] : [post(http, '/ingest/json', json, 'application/json')]),
  ]);
  const refused = replies.filter((reply) => reply.status !== 200).map((reply) => `${reply.url} answered ${reply.status}`);
  if (refused.length) throw new Error(`webhooks refused: ${refused.join('; ')}`);
  // udp, octet-counted tcp, the 3-message stream, NeuVector, Falco, 2 audit items, 2 alerts, json
  return 1 + 1 + 3 + 1 + 1 + 2 + 2 + (json === undefined ? 0 : 1);
}
