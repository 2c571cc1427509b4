import { Client, errors, SniffingTransport, type estypes, type TransportOptions } from '@elastic/elasticsearch';
import { gzip as gzipCallback, constants } from 'node:zlib';
import { promisify } from 'node:util';
import { tlsOptions } from '../kit/config.ts';
import { excerpt } from '../kit/outcome.ts';
import { parseRetryAfter } from '../kit/retry-after.ts';
import type { ElasticsearchConfig } from './config.ts';
import { expectAcknowledged, templateNamed, type IndexTemplate, type InstalledTemplate } from './template.ts';
import { BULK_FILTER_PATH, type BulkReply } from './classify.ts';

/**
 * Plain media types instead of the 9.x client's `application/vnd.elasticsearch+json;
 * compatible-with=9`, which an 8.x server refuses with 400 media_type_header_exception
 * ("Accept version must be either version 8 or 7, but found 9"). Without a compatible-with
 * parameter every server from 7.x to 9.x answers in its own current format, and the bulk API
 * reads exactly the same there. The transport takes these from its `vendoredHeaders` option,
 * which the client fills with the =9 values; this subclass replaces them. Client-wide
 * `headers` cannot do it: Content-Type differs between JSON and NDJSON requests.
 */
export const PLAIN_MEDIA_TYPES = {
  jsonContentType: 'application/json',
  ndjsonContentType: 'application/x-ndjson',
  accept: 'application/json',
};

export class PlainMediaTypeTransport extends SniffingTransport {
  constructor(options: TransportOptions) {
    super({ ...options, vendoredHeaders: PLAIN_MEDIA_TYPES });
  }
}

const gzip = promisify(gzipCallback);
/** Level 1 and one big chunk: the thread pool does the work in one pass, with one callback. */
const GZIP = { level: constants.Z_BEST_SPEED, chunkSize: 1 << 20 };

/** The official client set up for vigil: one attempt per call, the worker retries. */
export function createClient(config: ElasticsearchConfig): Client {
  let auth: { apiKey: string } | { username: string; password: string } | undefined;
  if (config.api_key) auth = { apiKey: config.api_key };
  else if (config.username) auth = { username: config.username, password: config.password ?? '' };
  return new Client({
    node: config.url,
    ...(auth ? { auth } : {}),
    // Requests are compressed in bulk() (level 1); responses are asked for gzipped.
    compression: config.compression,
    maxRetries: 0,
    // The default redaction ('replace') deep-copies an error's diagnostics key by key, the request
    // body included: a 1 MB bulk body became a million [index, byte] pairs, over 150 MB of heap
    // for one 429, beyond the 192 MB `npm start` gives. 'remove' deletes the headers (credentials)
    // and copies nothing (@elastic/transport lib/security.js redactDiagnostic).
    redaction: { type: 'remove' },
    // No client-wide requestTimeout: undici enforces that one on a coarse (about 1 s) timer. The
    // per-request timeout below runs on a plain setTimeout that aborts the request on time.
    tls: tlsOptions(config.tls),
    Transport: PlainMediaTypeTransport,
  });
}

/**
 * One POST /_bulk with a ready NDJSON body (each action line names its data stream). With compression the body is gzipped here at
 * level 1 (as Beats and Logstash do) rather than by the transport, whose default level 6 cost
 * several times more CPU for a few percent smaller bodies.
 */
export async function bulk(client: Client, body: string | Buffer, timeoutMs: number, compress: boolean): Promise<BulkReply> {
  try {
    const reply = await client.transport.request(
      {
        method: 'POST',
        path: '/_bulk',
        // classify.ts reads only these: the answer shrinks from ~180 to ~30 bytes per item.
        querystring: { filter_path: BULK_FILTER_PATH },
        bulkBody: compress ? await gzip(body, GZIP) : body,
      },
      {
        requestTimeout: timeoutMs,
        compression: false,
        // Every HTTP status comes back as data: with 'remove' redaction a thrown ResponseError
        // loses its headers, and the Retry-After of a 429 or 503 is one of them.
        meta: true,
        ignore: ERROR_STATUSES,
        ...(compress ? { headers: { 'content-encoding': 'gzip' } } : {}),
      },
    );
    if (reply.statusCode === 200) return { kind: 'reply', body: reply.body };
    const status = reply.statusCode ?? 0;
    const result: BulkReply = { kind: 'status', status, detail: `HTTP ${status}: ${describeBody(reply.body)}` };
    const after = parseRetryAfter(reply.headers?.['retry-after']);
    if (after !== undefined) result.retryAfterMs = after;
    return result;
  } catch (error) {
    return replyFromError(error);
  }
}

/** Statuses the transport must hand back rather than throw (see bulk()). */
const ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

/** The installed template of that name, or undefined when there is none. */
export async function getTemplate(client: Client, name: string, timeoutMs: number): Promise<InstalledTemplate | undefined> {
  let reply: unknown;
  try {
    reply = await client.indices.getIndexTemplate({ name }, { requestTimeout: timeoutMs });
  } catch (error) {
    if (error instanceof errors.ResponseError && error.statusCode === 404) return undefined;
    throw error;
  }
  return templateNamed(reply, name);
}

export async function putTemplate(client: Client, name: string, template: IndexTemplate, timeoutMs: number): Promise<void> {
  expectAcknowledged(await client.indices.putIndexTemplate({ name, ...template } as estypes.IndicesPutIndexTemplateRequest, { requestTimeout: timeoutMs }), name);
}

export function replyFromError(error: unknown): BulkReply {
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    const reply: BulkReply = { kind: 'status', status, detail: `HTTP ${status}: ${describeBody(error.body)}` };
    const after = parseRetryAfter(error.headers?.['retry-after']);
    if (after !== undefined) reply.retryAfterMs = after;
    return reply;
  }
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.TimeoutError) return { kind: 'failure', reason: 'timeout', detail };
  if (error instanceof errors.ProductNotSupportedError) return { kind: 'failure', reason: 'not_elasticsearch', detail };
  if (error instanceof errors.DeserializationError) return { kind: 'failure', reason: 'bad_reply', detail };
  return { kind: 'failure', reason: 'network', detail };
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return excerpt(body);
  const root = (body as { error?: { type?: string; reason?: string } } | undefined)?.error;
  if (root && typeof root === 'object') return excerpt(`${root.type ?? 'error'}: ${root.reason ?? ''}`);
  return excerpt(JSON.stringify(body) ?? '');
}
