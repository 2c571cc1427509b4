import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { isIPv6 } from 'node:net';
import { ConfigError, VigilError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { makeSample, SAMPLE_TYPES, type Sample } from './samples.ts';

export const TARGETS = ['udp', 'tcp', 'tls', 'http'] as const;
export type Target = (typeof TARGETS)[number];

export interface SendTestOptions {
  to?: string;
  type?: string;
  host?: string;
  /** Already checked by the command line: 1-65535. */
  port?: number;
  /** Already checked by the command line: 1-10000. */
  count?: number;
  /** File holding the webhook token (never the token itself on the command line). */
  tokenFile?: string;
  /** PEM CA to verify vigil's TLS certificate; `insecure` skips verification. */
  ca?: string;
  insecure?: boolean;
}

/** A failure to report in one line, exit 1. */
export class SendError extends Error {}

/**
 * `vigil send-test`: sends realistic sample events to a running vigil and says whether it took
 * them. Host, ports and webhook token default to this vigil's configuration (file and env).
 */
export async function runSendTest(options: SendTestOptions): Promise<number> {
  try {
    const to = oneOf(options.to ?? 'tcp', TARGETS, '--to');
    const type = oneOf(options.type ?? 'violation', SAMPLE_TYPES, '--type');
    const count = options.count ?? 1;
    const config = configForSending();
    const host = options.host ?? clientHost(config.listen.host);
    const port = options.port ?? defaultPort(config, to);
    const samples = Array.from({ length: count }, () => makeSample(type));
    const where = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
    switch (to) {
      case 'udp':
        await sendUdp(host, port, samples);
        break;
      case 'tcp':
      case 'tls':
        await sendStream(to, host, port, samples, options);
        break;
      case 'http':
        await sendHttp(host, port, samples, token(options, config));
        break;
    }
    console.log(`sent ${count} ${type} event${count === 1 ? '' : 's'} over ${to} to ${where}`);
    for (const sample of samples) console.log(`  id ${sample.id}`);
    return 0;
  } catch (error) {
    if (!(error instanceof SendError)) throw error;
    console.error(`vigil send-test: ${error.message}`);
    return 1;
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new VigilError('VIGIL_ERR_USAGE', [`send-test: ${flag} must be one of ${allowed.join(', ')}, got "${value}"; see vigil --help`]);
}

/** The config file when there is one; without one (run outside a deployment) the defaults plus env. */
export function configForSending(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'VIGIL_ERR_CONFIG_READ' && !process.env.VIGIL_CONFIG) return loadConfig(process.env, '/dev/null');
    throw error;
  }
}

/** A wildcard bind address is not somewhere to send to: use loopback of the same family. */
export function clientHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}

function defaultPort(config: Config, to: Target): number {
  const { listen } = config;
  const port = { udp: listen.syslog_udp_port, tcp: listen.syslog_tcp_port, tls: listen.syslog_tls_port, http: listen.http_port }[to];
  if (port === null || port === 0) throw new SendError(`no ${to} port in the configuration (it is off or picked at random): give --port`);
  return port;
}

function token(options: SendTestOptions, config: Config): string | undefined {
  if (options.tokenFile === undefined) return config.webhooks.token ?? undefined;
  try {
    return readFileSync(options.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new SendError(`cannot read --token-file: ${(error as Error).message}`);
  }
}

/**
 * One datagram per sample on a connected socket: Linux reports an ICMP port-unreachable as
 * ECONNREFUSED on it, so a closed port is caught although UDP has no answer of its own.
 */
export async function sendUdp(host: string, port: number, samples: Sample[]): Promise<void> {
  const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  let refused: Error | undefined;
  socket.on('error', (error) => (refused = error));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: NodeJS.ErrnoException) => {
      throw new SendError(`cannot send over udp to ${host}:${port}: ${describe(error)}`);
    });
    for (const sample of samples) {
      await new Promise<void>((resolve, reject) => socket.send(sample.syslog, (error) => (error ? reject(error) : resolve()))).catch((error) => {
        throw new SendError(`udp to ${host}:${port} refused: ${describe(error)}`);
      });
    }
    // Give an ICMP refusal time to come back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (refused) throw new SendError(`udp to ${host}:${port} refused: ${describe(refused)} (is vigil listening there?)`);
  } finally {
    socket.close();
  }
}

/** LF-framed syslog over one TCP or TLS connection; resolves once vigil has everything and closed its side. */
export function sendStream(to: 'tcp' | 'tls', host: string, port: number, samples: Sample[], options: SendTestOptions): Promise<void> {
  const bytes = samples.map((s) => `${s.syslog}\n`).join('');
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const hint = /CERT|SELF_SIGNED|UNABLE_TO/.test(error.code ?? '') ? ' (give --ca with the CA that signed vigil\'s certificate, or --insecure)' : '';
      reject(new SendError(`${to} to ${host}:${port} failed: ${describe(error)}${hint}`));
    };
    let socket: net.Socket;
    if (to === 'tls') {
      let ca: Buffer | undefined;
      try {
        ca = options.ca ? readFileSync(options.ca) : undefined;
      } catch (error) {
        reject(new SendError(`cannot read --ca: ${(error as Error).message}`));
        return;
      }
      socket = tls.connect({ host, port, ca, rejectUnauthorized: !options.insecure, servername: net.isIP(host) ? undefined : host }, () => socket.end(bytes));
    } else {
      socket = net.connect(port, host, () => socket.end(bytes));
    }
    socket.setTimeout(10_000, () => socket.destroy(Object.assign(new Error('no answer within 10 s'), { code: 'ETIMEDOUT' })));
    socket.on('error', fail);
    socket.resume();
    socket.on('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}

export async function sendHttp(host: string, port: number, samples: Sample[], webhookToken: string | undefined): Promise<void> {
  const base = `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  for (const sample of samples) {
    const headers: Record<string, string> = { 'content-type': sample.http.contentType };
    if (webhookToken) headers.authorization = `Bearer ${webhookToken}`;
    let response: Response;
    try {
      response = await fetch(base + sample.http.path, { method: 'POST', headers, body: sample.http.body, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      const cause = ((error as Error).cause ?? error) as NodeJS.ErrnoException;
      throw new SendError(`http to ${base}${sample.http.path} failed: ${describe(cause)}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let reason = text.trim().slice(0, 300);
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? reason;
      } catch {
        // not JSON: keep the text
      }
      const hint = response.status === 401 ? ' (set VIGIL_WEBHOOK_TOKEN or VIGIL_WEBHOOK_TOKEN_FILE, or give --token-file)' : '';
      throw new SendError(`POST ${sample.http.path} answered ${response.status}: ${reason}${hint}`);
    }
  }
}

function describe(error: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ETIMEDOUT: 'timed out', ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable',
  };
  const reason = error.code && known[error.code] ? `${known[error.code]} (${error.code})` : error.message;
  return reason;
}
