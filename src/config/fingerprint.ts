import { createHash } from 'node:crypto';
import type { Config } from './schema.ts';

/** Keys whose values are credentials: left out of the fingerprint, whatever section they are in. */
const SECRET_KEY = /password|token|secret|api_?key|authorization|credential|private/i;

/**
 * A short hash of the effective configuration, the same on every node of a deployment configured
 * alike. Left out: secrets and a URL's user info; what differs between nodes by design (the role,
 * the listeners, which only ingest nodes open, and the data dir). Keys are sorted, so the order in
 * the file does not matter.
 */
export function configFingerprint(config: Config): string {
  const { role: _role, listen: _listen, data_dir: _dataDir, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex').slice(0, 16);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !SECRET_KEY.test(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, canonical(inner)]));
  }
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value)) return value.replace(/\/\/[^/@]*@/, '//');
  return value;
}
