/**
 * A strict Splunk HTTP Event Collector double (Splunk docs "HTTP Event Collector REST API
 * endpoints") over real HTTP.
 *
 *   const hec = await SplunkHecDouble.start({ token: 't', ack: true, indexes: ['security'], maxContentLength: 4096 });
 *   hec.events                   events indexed, in order: { raw (the object's text as sent), event
 *                                (parsed), channel }
 *   hec.failEventAt(k, code?)    the next event request stops at its event k with that code
 *                                (default 6 "Invalid data format"): events before k are indexed,
 *                                the reply carries invalid-event-number k, as HEC does
 *   hec.rejectEvents(e => ..., code?)  every request stops at the first event matching, until
 *                                hec.clearEventFaults() or hec.reset()
 *   hec.holdAcks(true | false)   while held, ack polls answer false for every id
 *   plus failNext / dropNext / delay / down / up / requests from HttpDouble
 *   (failNext(1, 503) answers {"text":"Server is busy","code":9}).
 *
 * Enforced as HEC does: POST /services/collector/event (and its aliases); `Authorization: Splunk
 * <token>` exactly (401 code 2 missing, 401 code 3 malformed, 403 code 4 wrong token); a body of
 * JSON objects concatenated (not an array), each with a non-blank `event` (codes 12/13), a
 * numeric `time`, flat `fields` of strings (code 15), an allowed `index` (code 7); gzip accepted,
 * deflate refused; processing stops at the first bad event (invalid-event-number); with `ack`, the
 * X-Splunk-Request-Channel GUID (codes 10/11) and ackId per channel, POST /services/collector/ack
 * ({"acks":[ids]} → {"acks":{"id":bool}}, an id forgotten once reported true; code 14 without ack).
 */
import { HttpDouble, type DoubleReply, type RecordedRequest } from './http-double.ts';

export interface SplunkHecDoubleOptions {
  /** The token the collector accepts. Default 'test-token'. */
  token?: string;
  /** Emulate a token with useACK. */
  ack?: boolean;
  /** Indexes the token may write to; any when omitted. */
  indexes?: string[];
  /** max_content_length: larger bodies get 413. */
  maxContentLength?: number;
}

export interface HecStoredEvent {
  raw: string;
  event: Record<string, unknown>;
  channel?: string;
}

const TEXTS: Record<number, string> = {
  0: 'Success', 2: 'Token is required', 3: 'Invalid authorization', 4: 'Invalid token', 5: 'No data',
  6: 'Invalid data format', 7: 'Incorrect index', 8: 'Internal server error', 9: 'Server is busy',
  10: 'Data channel is missing', 11: 'Invalid data channel', 12: 'Event field is required',
  13: 'Event field cannot be blank', 14: 'ACK is disabled', 15: 'Error in handling indexed fields', 17: 'HEC is healthy',
};
const STATUS: Record<number, number> = { 0: 200, 2: 401, 3: 401, 4: 403, 8: 500, 9: 503, 17: 200 };
const EVENT_PATHS = new Set(['/services/collector/event', '/services/collector', '/services/collector/event/1.0']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SplunkHecDouble extends HttpDouble {
  readonly events: HecStoredEvent[] = [];
  readonly #token: string;
  readonly #ack: boolean;
  readonly #indexes: Set<string> | undefined;
  readonly #maxContentLength: number;
  readonly #acks = new Map<string, Map<number, boolean>>();
  readonly #nextAckId = new Map<string, number>();
  #failAt: { index: number; code: number } | undefined;
  #rejections: Array<{ matches: (event: HecStoredEvent) => boolean; code: number }> = [];
  #holdAcks = false;

  constructor(options: SplunkHecDoubleOptions = {}) {
    super();
    this.#token = options.token ?? 'test-token';
    this.#ack = options.ack ?? false;
    this.#indexes = options.indexes ? new Set(options.indexes) : undefined;
    this.#maxContentLength = options.maxContentLength ?? 800 * 1024 * 1024;
  }

  static async start(options: SplunkHecDoubleOptions = {}): Promise<SplunkHecDouble> {
    const double = new SplunkHecDouble(options);
    await double.up();
    return double;
  }

  failEventAt(index: number, code = 6): void {
    this.#failAt = { index, code };
  }

  rejectEvents(matches: (event: HecStoredEvent) => boolean, code = 6): void {
    this.#rejections.push({ matches, code });
  }

  clearEventFaults(): void {
    this.#failAt = undefined;
    this.#rejections = [];
  }

  holdAcks(hold: boolean): void {
    this.#holdAcks = hold;
  }

  /** Also forgets event faults and held acks; indexed events stay. */
  override reset(): void {
    super.reset();
    this.clearEventFaults();
    this.#holdAcks = false;
  }

  protected override faultReply(status: number): DoubleReply {
    if (status === 503) return hecReply(9);
    if (status === 500) return hecReply(8);
    if (status === 413) return { status, headers: { 'content-type': 'text/plain' }, body: 'Request Entity Too Large' };
    return { status, headers: { 'content-type': 'text/html' }, body: `<html><body>${status}</body></html>` };
  }

  protected override handle(request: RecordedRequest): DoubleReply {
    if (request.method === 'GET' && request.path === '/services/collector/health') return hecReply(17);
    const isEvent = EVENT_PATHS.has(request.path);
    const isAck = request.path === '/services/collector/ack';
    if (request.method !== 'POST' || (!isEvent && !isAck)) {
      return { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'The requested URL was not found on this server.', code: 404 }) };
    }
    const authorization = request.headers.authorization;
    if (!authorization) return hecReply(2);
    if (!authorization.startsWith('Splunk ')) return hecReply(3);
    if (authorization !== `Splunk ${this.#token}`) return hecReply(4);

    let channel: string | undefined;
    if (this.#ack) {
      channel = String(request.headers['x-splunk-request-channel'] ?? request.query.get('channel') ?? '');
      if (!channel) return hecReply(10);
      if (!GUID.test(channel)) return hecReply(11);
    }
    if (isAck) return this.#answerAcks(request, channel);
    if (Buffer.byteLength(request.body) > this.#maxContentLength) return { status: 413, body: 'Request Entity Too Large' };
    if (request.headers['content-encoding'] === 'deflate') return hecReply(6, 0);
    return this.#index(request.body, channel);
  }

  #index(body: string, channel: string | undefined): DoubleReply {
    const { objects, malformedAt } = splitObjects(body);
    if (objects.length === 0 && malformedAt === undefined) return hecReply(5);
    const failAt = this.#failAt;
    this.#failAt = undefined;
    for (let n = 0; n < objects.length; n++) {
      const raw = objects[n]!;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return hecReply(6, n);
      }
      const code = this.#validate(parsed, raw, n, failAt, channel);
      if (code !== 0) return hecReply(code, n);
      this.events.push({ raw, event: parsed as Record<string, unknown>, ...(channel ? { channel } : {}) });
    }
    if (malformedAt !== undefined) return hecReply(6, malformedAt);
    if (!channel) return hecReply(0);
    const ackId = this.#nextAckId.get(channel) ?? 0;
    this.#nextAckId.set(channel, ackId + 1);
    let acks = this.#acks.get(channel);
    if (!acks) this.#acks.set(channel, (acks = new Map()));
    acks.set(ackId, true);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Success', code: 0, ackId }) };
  }

  #validate(parsed: unknown, raw: string, n: number, failAt: { index: number; code: number } | undefined, channel: string | undefined): number {
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 6;
    const event = parsed as Record<string, unknown>;
    if (!('event' in event) || event.event === null) return 12;
    if (typeof event.event === 'string' && event.event.trim() === '') return 13;
    if (event.time !== undefined && !(typeof event.time === 'number' || (typeof event.time === 'string' && /^\d+(\.\d+)?$/.test(event.time)))) return 6;
    if (event.fields !== undefined && !flatFields(event.fields)) return 15;
    if (event.index !== undefined && this.#indexes && !this.#indexes.has(String(event.index))) return 7;
    if (failAt?.index === n) return failAt.code;
    const stored: HecStoredEvent = { raw, event, ...(channel ? { channel } : {}) };
    return this.#rejections.find((rejection) => rejection.matches(stored))?.code ?? 0;
  }

  #answerAcks(request: RecordedRequest, channel: string | undefined): DoubleReply {
    if (!this.#ack || !channel) return hecReply(14);
    let ids: unknown;
    try {
      ids = (JSON.parse(request.body) as { acks?: unknown }).acks;
    } catch {
      return hecReply(6);
    }
    if (!Array.isArray(ids)) return hecReply(6);
    const known = this.#acks.get(channel) ?? new Map<number, boolean>();
    const acks: Record<string, boolean> = {};
    for (const id of ids) {
      const indexed = !this.#holdAcks && known.get(Number(id)) === true;
      acks[String(id)] = indexed;
      if (indexed) known.delete(Number(id)); // released once reported
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ acks }) };
  }
}

function hecReply(code: number, invalidEventNumber?: number): DoubleReply {
  const body: Record<string, unknown> = { text: TEXTS[code] ?? 'Error', code };
  if (invalidEventNumber !== undefined) body['invalid-event-number'] = invalidEventNumber;
  return { status: STATUS[code] ?? 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function flatFields(fields: unknown): boolean {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return false;
  const scalar = (value: unknown) => typeof value === 'string' || typeof value === 'number';
  return Object.values(fields).every((value) => scalar(value) || (Array.isArray(value) && value.every(scalar)));
}

/**
 * Splits a body of concatenated JSON objects (whitespace between them allowed) into the objects'
 * texts. `malformedAt` is the number of the first thing that is not a complete object.
 */
export function splitObjects(body: string): { objects: string[]; malformedAt?: number } {
  const objects: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i]!)) i++;
    if (i >= body.length) break;
    if (body[i] !== '{') return { objects, malformedAt: objects.length };
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < body.length; i++) {
      const char = body[i];
      if (inString) {
        if (char === '\\') i++;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) return { objects, malformedAt: objects.length };
    objects.push(body.slice(start, ++i));
  }
  return { objects };
}
