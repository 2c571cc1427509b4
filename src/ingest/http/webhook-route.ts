import { isJsonMediaType } from './content-type.ts';
import { malformedJsonReason } from './json-reason.ts';

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
}

export function requireJsonType(mediaType: string | undefined): Refusal | undefined {
  if (isJsonMediaType(mediaType)) return undefined;
  return { status: 415, error: `Expected Content-Type application/json, got ${mediaType ?? 'none'}` };
}

export function requireWellFormedJson(body: string): Refusal | undefined {
  const reason = malformedJsonReason(body);
  return reason === undefined ? undefined : { status: 400, error: reason };
}
