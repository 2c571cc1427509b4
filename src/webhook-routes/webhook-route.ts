import { jsonDocuments } from '../../parsers/json/documents.ts';
import { jsonErrorReason } from '../../parsers/kit/json-lossless.ts';
import type { Json } from '../../parsers/kit/ecs.ts';
import { isJsonMediaType, isNdjsonMediaType } from './content-type.ts';

/** Why a webhook body is refused, answered as `{error}` with this status. */
export interface Refusal {
  status: 400 | 415;
  error: string;
}

/**
 * A body the route takes, and how many events it will become once parsed (array items, NDJSON
 * lines, EventList items, alerts): the per-request item cap and the events-per-second limit count
 * these, so a small body of many tiny items cannot multiply into a flood at the sinks.
 */
export interface Accepted {
  items: number;
}

/** One webhook kind: `POST /ingest/<kind>`. Each lives in its own file beside this one, listed in index.ts. */
export interface WebhookRoute {
  /** Path segment under /ingest/. */
  readonly kind: string;
  /** The parser format stamped on the raw event (parsers/index.ts). */
  readonly format: string;
  /**
   * Accept (with its item count) or refuse the raw body before it is stored. A refusal is only
   * for a body that is not what the route is for, decided by the sender's habits; what is parsed
   * here is only looked at (well-formed? how many items?), never stored. `maxItems` lets a route
   * stop counting early: anything above it is refused (413) whatever the exact count.
   */
  check(body: string, mediaType: string | undefined, maxItems: number): Refusal | Accepted;
  /**
   * Status when the body could not be stored: 503 with Retry-After by default; a sender that
   * retries only on another status (NeuVector: 500) gets that one instead.
   */
  readonly unavailableStatus?: 500 | 503;
}

export function requireJsonType(mediaType: string | undefined): Refusal | undefined {
  if (isJsonMediaType(mediaType)) return undefined;
  return { status: 415, error: `Expected Content-Type application/json, got ${mediaType ?? 'none'}` };
}

/** One event: a body whose sender posts one alert per request (Falco, NeuVector). */
export const ONE_ITEM: Accepted = { items: 1 };

/**
 * Refuses a body that is not one JSON document, with the parser's one-line reason; else accepts
 * it with the items `count` finds in the parsed document.
 */
export function requireWellFormedJson(body: string, count: (document: Json) => number): Refusal | Accepted {
  let document: Json;
  try {
    document = JSON.parse(body) as Json;
  } catch (error) {
    return { status: 400, error: jsonErrorReason(error) };
  }
  return { items: count(document) };
}

/** For /ingest/json: JSON or NDJSON media types. */
export function requireJsonOrNdjsonType(mediaType: string | undefined): Refusal | undefined {
  return isNdjsonMediaType(mediaType) ? undefined : requireJsonType(mediaType);
}

/** For /ingest/json: one document, an array (one item per element), or NDJSON (one per line; a bad line is forwarded tagged). */
export function requireJsonDocuments(body: string, maxItems: number): Refusal | Accepted {
  // The parser splits the body the same way (jsonDocuments), so the count here is the events it makes.
  const parsed = jsonDocuments(body, maxItems);
  if (!parsed.ok) return 'tooMany' in parsed ? { items: parsed.tooMany } : { status: 400, error: parsed.reason };
  const [first] = parsed.documents;
  const single = parsed.documents.length === 1 && first.ok ? first.value : undefined;
  return { items: Array.isArray(single) ? single.length : parsed.documents.length };
}
