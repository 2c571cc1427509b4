import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Config pieces every HTTP sink shares, so their keys and defaults read the same everywhere. */

export const MiB = 1024 * 1024;

/** Backend base URL, http or https (https uses `tls`). */
export const httpUrl = z.url({ protocol: /^https?$/ });

/** Deadline of one request, connection included; a late answer counts as retry 'timeout'. */
export function timeoutMs(defaultMs: number) {
  return z.number().int().positive().default(defaultMs).describe('deadline of one request, connection included; a late answer is retried');
}

/** Upper bound of one request body before compression; larger batches travel in several requests. */
export function maxBytes(defaultBytes: number) {
  return z.number().int().min(1024).default(defaultBytes).describe('bytes per request before compression; larger batches travel in several requests');
}

export const tlsSchema = z
  .object({
    ca: z.string().min(1).optional().describe('extra CA to trust: PEM text, or the path of a PEM file'),
    reject_unauthorized: z.boolean().default(true).describe('false accepts any server certificate: for labs only, never production'),
  })
  .strict()
  .prefault({});

export type TlsConfig = z.output<typeof tlsSchema>;

/** TLS options for node:https / undici from the shared `tls` section. */
export function tlsOptions(tls: TlsConfig): { ca?: string; rejectUnauthorized: boolean } {
  const options: { ca?: string; rejectUnauthorized: boolean } = { rejectUnauthorized: tls.reject_unauthorized };
  if (tls.ca !== undefined) options.ca = tls.ca.includes('-----BEGIN') ? tls.ca : readFileSync(tls.ca, 'utf8');
  return options;
}
