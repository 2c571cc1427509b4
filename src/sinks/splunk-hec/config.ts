import { z } from 'zod';
import { httpUrl, maxBytes, MiB, timeoutMs, tlsSchema } from '../kit/config.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `sinks.splunk-hec`: the HTTP Event Collector endpoint and how events are labelled there. */
export const splunkHecSchema = z
  .object({
    /** HEC base URL (default port 8088), e.g. https://splunk.example.com:8088; the path is added. */
    url: httpUrl,
    /** HEC token, sent as `Authorization: Splunk <token>`. */
    token: z.string().min(1),
    /** Target index; omitted = the token's default index. Must be allowed for the token (else code 7). */
    index: z.string().min(1).optional(),
    source: z.string().min(1).default('vigil'),
    /** Put before the dataset-derived sourcetype, e.g. "vigil:" gives vigil:neuvector:violation. */
    sourcetype_prefix: z.string().default(''),
    /**
     * Also send dataset, level, cluster and namespace as index-time `fields` (fast tstats
     * searches, at the cost of index size). The whole event is in `event` either way.
     */
    indexed_fields: z.boolean().default(false),
    /** Bytes per request: Splunk Cloud refuses bodies over 1 MB; Enterprise allows far more. */
    max_bytes: maxBytes(1 * MiB),
    /** gzip request bodies; Splunk accepts gzip (not deflate). */
    compression: z.boolean().default(false),
    timeout_ms: timeoutMs(30_000),
    tls: tlsSchema,
    /**
     * Indexer acknowledgement, for tokens with useACK: an event counts as delivered only once
     * Splunk reports it indexed; otherwise 200 only means "looked valid".
     */
    ack: z
      .object({
        enabled: z.boolean().default(false),
        /** Channel GUID; a random one per process when omitted. */
        channel: z.string().regex(GUID, 'channel must be a GUID').optional(),
        poll_interval_ms: z.number().int().positive().default(1_000),
        /** Events not acknowledged within this time are retried (duplicates possible). */
        timeout_ms: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SplunkHecConfig = z.output<typeof splunkHecSchema>;
