import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { TlsConfig } from './config.ts';
import { tlsOptions } from './config.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * One HTTP request, no retry (the deliver worker retries): keep-alive connection reuse, a
 * whole-request deadline, optional gzip of the body, TLS options. Built on node:http rather than
 * fetch because fetch cannot take a custom CA or skip verification without undici's Agent, and
 * destroying a request on its deadline is plain here.
 */

const gzip = promisify(gzipCallback);

/** Replies are small JSON or text; anything beyond this is cut (the verdict needs the start). */
const MAX_REPLY_BYTES = 1024 * 1024;

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The request never got an HTTP answer: connection refused or reset, DNS, TLS, or the deadline. */
export class HttpFailure extends Error {
  readonly kind: 'network' | 'timeout';
  constructor(kind: 'network' | 'timeout', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpFailure';
    this.kind = kind;
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** gzip the body and say so in Content-Encoding. */
  gzip?: boolean;
  timeoutMs: number;
  /** Keep more of the reply than the default 1 MiB: a bulk reply must be whole to be read. */
  maxReplyBytes?: number;
}

/** A pool of keep-alive connections to one backend; close it with the sink. */
export function createAgent(url: URL, tls: TlsConfig, maxSockets = 16): http.Agent {
  const common = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
  return url.protocol === 'https:' ? new https.Agent({ ...common, ...tlsOptions(tls) }) : new http.Agent(common);
}

export async function httpRequest(agent: http.Agent, request: HttpRequest): Promise<HttpReply> {
  let body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { ...request.headers };
  if (body !== undefined && request.gzip) {
    body = await gzip(body, { level: 1, chunkSize: 1 << 20 });
    headers['content-encoding'] = 'gzip';
  }
  if (body !== undefined) headers['content-length'] = String(body.length);
  const transport = request.url.protocol === 'https:' ? https : http;

  return new Promise<HttpReply>((resolve, reject) => {
    const req = transport.request(request.url, { method: request.method, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      const limit = request.maxReplyBytes ?? MAX_REPLY_BYTES;
      let received = 0;
      res.on('data', (part: Buffer) => {
        if (received < limit) parts.push(part);
        received += part.length;
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
      });
      res.on('error', (error) => fail(error));
    });
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error instanceof HttpFailure ? error : new HttpFailure('network', error.message, { cause: error }));
    };
    const deadline = setTimeout(() => {
      req.destroy(new HttpFailure('timeout', `No answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    req.on('error', fail);
    req.end(body);
  });
}

/** A request failure that never reached HTTP, as the retry verdict it deserves. */
export function failureReason(error: unknown): { reason: 'network' | 'timeout'; detail: string } {
  if (error instanceof HttpFailure) return { reason: error.kind, detail: error.message };
  return { reason: 'network', detail: error instanceof Error ? error.message : String(error) };
}

/** An HTTP sink's answer as plain data for its classify.ts: the reply (with any Retry-After), or why there was none. */
export type SinkReply =
  | { kind: 'reply'; status: number; body: string; retryAfterMs?: number }
  | { kind: 'failure'; reason: 'network' | 'timeout'; detail: string };

/** httpRequest, never throwing: the shape every HTTP sink classifies. */
export async function sinkRequest(agent: http.Agent, request: HttpRequest): Promise<SinkReply> {
  try {
    const reply = await httpRequest(agent, request);
    const result: SinkReply = { kind: 'reply', status: reply.status, body: reply.body };
    const after = parseRetryAfter(reply.headers['retry-after']);
    if (after !== undefined) result.retryAfterMs = after;
    return result;
  } catch (error) {
    return { kind: 'failure', ...failureReason(error) };
  }
}
