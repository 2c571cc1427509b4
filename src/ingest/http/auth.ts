import { createHash, timingSafeEqual } from 'node:crypto';

/** Where a webhook request may carry the shared token: senders such as NeuVector and Falco cannot set headers. */
export interface PresentedCredentials {
  authorization?: string;
  queryToken?: unknown;
  pathToken?: string;
}

/**
 * A check of the webhook token in any of its three forms: `Authorization: Bearer <t>`,
 * `?token=<t>`, or the path `/ingest/<kind>/<t>`. Comparison is on SHA-256 digests with
 * timingSafeEqual, so neither the token's content nor its length leaks through timing.
 */
export function createTokenCheck(token: string): (presented: PresentedCredentials) => boolean {
  const expected = digest(token);
  const matches = (candidate: unknown) =>
    typeof candidate === 'string' && candidate.length > 0 && timingSafeEqual(digest(candidate), expected);
  return (presented) =>
    matches(bearerToken(presented.authorization)) || matches(presented.queryToken) || matches(presented.pathToken);
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
