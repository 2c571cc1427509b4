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
