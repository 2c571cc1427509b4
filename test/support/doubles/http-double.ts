/**
 * The HTTP server every backend double is built on: a real node:http server on 127.0.0.1 (port 0,
 * kept across down/up), a log of every request, and fault injection shared by all doubles.
 *
 *   const double = await SomeDouble.start();
 *   double.url                        base URL, e.g. http://127.0.0.1:40123
 *   double.requests                   every request received, in order: method, path, query,
 *                                     headers, body (Content-Encoding undone), status answered
 *                                     (0 = connection dropped, no answer)
 *   double.failNext(n, status, { retryAfter, body, path })
 *                                     answer the next n requests (whose path matches `path`, when
 *                                     given) with that status and the backend's usual error body
 *                                     (or `body`), processing nothing
 *   double.dropNext(n, 'before' | 'after', { path })
 *                                     destroy the socket of the next n requests without answering:
 *                                     'before' processing (nothing stored) or 'after' (stored, but
 *                                     the client never hears: the redelivery case)
 *   double.stallNext(n, { path })     never answer the next n requests and process nothing: the
 *                                     client's deadline ends them (a hung backend)
 *   double.cutNext(n, 'before' | 'after', { path })
 *                                     send the status line, headers and half the body of the
 *                                     answer, then destroy the socket: 'before' the answer is a
 *                                     503 and nothing was processed (a proxy cut off); 'after' the
 *                                     request was processed and its real answer is cut
 *   double.delay(ms)                  hold every answer ms milliseconds (0 = off) until changed
 *   await double.down() / up()        stop listening and cut open connections / listen again on
 *                                     the same port
 *   double.reset()                    forget requests and pending faults (stored data stays;
 *                                     each double documents what it keeps)
 *   await double.close()
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as the backend reads it: Content-Encoding gzip/deflate undone. */
  body: string;
  /** The status answered; 0 when the double dropped the connection instead. */
  status: number;
}

export interface DoubleReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FaultOptions {
  /** Retry-After header value (seconds or an HTTP-date). */
  retryAfter?: number | string;
  /** Replaces the double's usual error body for that status. */
  body?: string;
  /** Only requests whose path matches (e.g. /_bulk$/): setup calls such as a template install pass untouched. */
  path?: RegExp;
}

interface PlannedFault {
  status: number;
  options: FaultOptions;
}

export abstract class HttpDouble {
  readonly requests: RecordedRequest[] = [];
  #server: Server | undefined;
  #port = 0;
  #sockets = new Set<Socket>();
  #faults: PlannedFault[] = [];
  #drops: Array<{ when: 'before' | 'after'; path?: RegExp }> = [];
  #stalls: Array<{ path?: RegExp }> = [];
  #cuts: Array<{ when: 'before' | 'after'; path?: RegExp }> = [];
  #delayMs = 0;
  #waiting = new Map<NodeJS.Timeout, () => void>();

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Listens on 127.0.0.1: a free port the first time, the same port after down(). */
  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => void this.#serve(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
  }

  /** Stops listening and cuts every open connection, as a crashed backend would. */
  async down(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    // Held answers are released so their handlers finish; their sockets are gone by then.
    for (const [timer, release] of this.#waiting) {
      clearTimeout(timer);
      release();
    }
    this.#waiting.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async close(): Promise<void> {
    await this.down();
  }

  failNext(count: number, status: number, options: FaultOptions = {}): void {
    for (let i = 0; i < count; i++) this.#faults.push({ status, options });
  }

  dropNext(count: number, when: 'before' | 'after' = 'before', options: { path?: RegExp } = {}): void {
    for (let i = 0; i < count; i++) this.#drops.push({ when, ...options });
  }

  stallNext(count: number, options: { path?: RegExp } = {}): void {
    for (let i = 0; i < count; i++) this.#stalls.push({ ...options });
  }

  cutNext(count: number, when: 'before' | 'after', options: { path?: RegExp } = {}): void {
    for (let i = 0; i < count; i++) this.#cuts.push({ when, ...options });
  }

  delay(ms: number): void {
    this.#delayMs = ms;
  }

  reset(): void {
    this.requests.length = 0;
    this.#faults = [];
    this.#drops = [];
    this.#stalls = [];
    this.#cuts = [];
    this.#delayMs = 0;
  }

  /** The backend's own answer to a request that passed fault injection. */
  protected abstract handle(request: RecordedRequest): DoubleReply | Promise<DoubleReply>;

  /** The backend's usual error body for an injected status. */
  protected abstract faultReply(status: number): DoubleReply;

  /** Headers the backend puts on every answer. */
  protected commonHeaders(): Record<string, string> {
    return {};
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://double');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: '',
      status: 0,
    };
    this.requests.push(recorded);
    try {
      recorded.body = decode(raw, req.headers['content-encoding']);
    } catch {
      return this.#answer(res, recorded, { status: 400, body: 'cannot decode body' });
    }

    const applies = (path: RegExp | undefined) => !path || path.test(recorded.path);
    const drop = takeFirst(this.#drops, (planned) => applies(planned.path))?.when;
    if (drop === 'before') return void req.socket.destroy();
    // Left unanswered: the socket stays open until the client gives up and closes it.
    if (drop === undefined && takeFirst(this.#stalls, (planned) => applies(planned.path))) return;
    const cut = drop === undefined ? takeFirst(this.#cuts, (planned) => applies(planned.path))?.when : undefined;
    const fault = drop === undefined && cut === undefined ? takeFirst(this.#faults, (planned) => applies(planned.options.path)) : undefined;
    let reply: DoubleReply;
    if (cut === 'before') {
      reply = this.faultReply(503);
    } else if (fault) {
      reply = this.faultReply(fault.status);
      if (fault.options.body !== undefined) reply = { ...reply, body: fault.options.body };
      if (fault.options.retryAfter !== undefined) {
        reply = { ...reply, headers: { ...reply.headers, 'retry-after': String(fault.options.retryAfter) } };
      }
    } else {
      try {
        reply = await this.handle(recorded);
      } catch (error) {
        // A bug in the double must fail the test visibly, not hang the client.
        reply = { status: 500, headers: { 'content-type': 'text/plain' }, body: `double failed: ${(error as Error).stack}` };
      }
    }
    if (drop === 'after') return void req.socket.destroy();
    if (cut !== undefined) return this.#cutAnswer(res, reply);
    if (this.#delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiting.delete(timer);
          resolve();
        }, this.#delayMs);
        this.#waiting.set(timer, resolve);
      });
    }
    this.#answer(res, recorded, reply);
  }

  /** The answer's head and the first half of its body (Content-Length says all of it), then the socket is gone. */
  #cutAnswer(res: ServerResponse, reply: DoubleReply): void {
    const body = Buffer.from(reply.body ?? '');
    res.writeHead(reply.status, { ...this.commonHeaders(), ...reply.headers, 'content-length': String(Math.max(body.length, 2)) });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
  }

  #answer(res: ServerResponse, recorded: RecordedRequest, reply: DoubleReply): void {
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    recorded.status = reply.status;
    res.writeHead(reply.status, { ...this.commonHeaders(), ...reply.headers });
    res.end(reply.body ?? '');
  }
}

/** Removes and returns the first entry that applies. */
function takeFirst<T>(planned: T[], applies: (entry: T) => boolean): T | undefined {
  const at = planned.findIndex(applies);
  return at < 0 ? undefined : planned.splice(at, 1)[0];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', () => resolve(Buffer.concat(parts)));
  });
}

function decode(raw: Buffer, encoding: string | undefined): string {
  if (encoding === 'gzip') return gunzipSync(raw).toString('utf8');
  if (encoding === 'deflate') return inflateSync(raw).toString('utf8');
  return raw.toString('utf8');
}
