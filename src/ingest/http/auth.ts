import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { RouteAuth } from '../../config/webhook-auth.ts';

/** What a request presents: headers, the query's token, the path's token and the TLS socket. */
export interface PresentedCredentials {
  authorization?: string;
  queryToken?: unknown;
  pathToken?: string;
  /** The request's socket: over HTTPS a TLSSocket whose `authorized` says the client certificate was verified. */
  socket?: unknown;
}

export interface AuthCheck {
  (presented: PresentedCredentials): boolean;
  /** WWW-Authenticate for a 401, when the scheme has one. */
  readonly challenge?: string;
}

/**
 * The check for one route's auth. Secrets are compared as SHA-256 digests with timingSafeEqual,
 * so neither their content nor their length leaks through timing.
 */
export function createAuthCheck(auth: RouteAuth): AuthCheck {
  switch (auth.type) {
    case 'none':
      return () => true;
    case 'token': {
      const matches = secretMatcher(auth.token);
      return Object.assign(
        (p: PresentedCredentials) => matches(bearerToken(p.authorization)) || matches(p.queryToken) || matches(p.pathToken),
        { challenge: 'Bearer' },
      );
    }
    case 'bearer': {
      const matches = secretMatcher(auth.token);
      return Object.assign((p: PresentedCredentials) => matches(bearerToken(p.authorization)), { challenge: 'Bearer' });
    }
    case 'basic': {
      // user:password as one secret: one comparison, and a wrong username costs the same as a wrong password.
      const matches = secretMatcher(`${auth.username}:${auth.password}`);
      return Object.assign((p: PresentedCredentials) => matches(basicCredentials(p.authorization)), { challenge: 'Basic realm="vigil"' });
    }
    case 'mtls':
      return (p) => (p.socket as Partial<TLSSocket> | undefined)?.authorized === true;
  }
}

function secretMatcher(secret: string): (candidate: unknown) => boolean {
  const expected = digest(secret);
  return (candidate) => typeof candidate === 'string' && candidate.length > 0 && timingSafeEqual(digest(candidate), expected);
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return /^\s*bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

function basicCredentials(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const encoded = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
