import { z } from 'zod';
import { httpUrl, maxBytes, MiB, timeoutMs, tlsSchema } from '../kit/config.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `sinks.splunk-hec`: the HTTP Event Collector endpoint and how events are labelled there. */
export const splunkHecSchema = z
  .object({
    url: httpUrl.describe('HEC base URL (port 8088 by default); the path is added'),
    token: z.string().min(1).describe('HEC token, sent as `Authorization: Splunk <token>`'),
    index: z.string().min(1).optional().describe("target index, allowed for the token; unset = the token's default"),
    source: z.string().min(1).default('vigil').describe('HEC `source` of every event'),
    sourcetype_prefix: z.string().default('').describe('put before the dataset-derived sourcetype: "vigil:" gives vigil:neuvector:violation'),
    /**
     * Also send dataset, level, cluster and namespace as index-time `fields` (fast tstats
     * searches, at the cost of index size). The whole event is in `event` either way.
     */
    indexed_fields: z.boolean().default(false).describe('also send dataset, level, cluster and namespace as index-time fields'),
    /** Bytes per request: Splunk Cloud refuses bodies over 1 MB; Enterprise allows far more. */
    max_bytes: maxBytes(1 * MiB),
    /** gzip request bodies; Splunk accepts gzip (not deflate). */
    compression: z.boolean().default(false).describe('gzip request bodies'),
    timeout_ms: timeoutMs(30_000),
    tls: tlsSchema,
    /**
     * Indexer acknowledgement, for tokens with useACK: an event counts as delivered only once
     * Splunk reports it indexed; otherwise 200 only means "looked valid".
     */
    ack: z
      .object({
        enabled: z.boolean().default(false).describe('indexer acknowledgement, for tokens with useACK'),
        channel: z.string().regex(GUID, 'channel must be a GUID').optional().describe('channel GUID; a random one per process when unset'),
        poll_interval_ms: z.number().int().positive().default(1_000).describe('how often acknowledgements are polled'),
        timeout_ms: z.number().int().positive().default(60_000).describe('events not acknowledged within this time are retried (duplicates possible)'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SplunkHecConfig = z.output<typeof splunkHecSchema>;
