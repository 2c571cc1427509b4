import { jsonDocuments } from '../../../parsers/json/documents.ts';
import { jsonErrorReason } from '../../../parsers/json/lossless.ts';
import { isJsonMediaType, isNdjsonMediaType } from './content-type.ts';

/** Why a webhook body is refused, answered as `{error}` with this status. */
export interface Refusal {
  status: 400 | 415;
  error: string;
}

/** One webhook kind: `POST /ingest/<kind>`. Each lives in its own file under routes/. */
export interface WebhookRoute {
  /** Path segment under /ingest/. */
  readonly kind: string;
  /** The parser format stamped on the raw event (parsers/index.ts). */
  readonly format: string;
  /**
   * Accept (undefined) or refuse the raw body before it is stored. Nothing is parsed here: a
   * refusal is only for a body that is not what the route is for, decided by the sender's habits.
   */
  check(body: string, mediaType: string | undefined): Refusal | undefined;
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

/** Refuses a body that is not one JSON document, with the parser's one-line reason. */
export function requireWellFormedJson(body: string): Refusal | undefined {
  try {
    JSON.parse(body);
    return undefined;
  } catch (error) {
    return { status: 400, error: jsonErrorReason(error) };
  }
}

/** For /ingest/json: JSON or NDJSON media types. */
export function requireJsonOrNdjsonType(mediaType: string | undefined): Refusal | undefined {
  return isNdjsonMediaType(mediaType) ? undefined : requireJsonType(mediaType);
}

/** For /ingest/json: one document, an array, or NDJSON (a bad NDJSON line is forwarded tagged). */
export function requireJsonDocuments(body: string): Refusal | undefined {
  const documents = jsonDocuments(body);
  return documents.ok ? undefined : { status: 400, error: documents.reason };
}
