import type { Agent } from 'node:http';
import type { BulkBackend } from './sink.ts';
import { BULK_FILTER_PATH, type BulkReply } from './classify.ts';
import { expectAcknowledged, templateNamed } from './template.ts';
import { createAgent, failureReason, httpRequest, type HttpReply } from '../kit/http.ts';
import { excerpt } from '../kit/outcome.ts';
import { parseRetryAfter } from '../kit/retry-after.ts';
import type { OpenSearchConfig } from './opensearch-config.ts';
import { ismPolicy, type InstalledIsmPolicy } from './opensearch-ism.ts';

/**
 * OpenSearch's bulk and index-template APIs over plain HTTP (the shared node:http kit), answering
 * in the same BulkReply shape as the Elasticsearch client so classify.ts reads both.
 */

/**
 * Only what the verdict reads: per item its status and error. A successful item shrinks from
 * ~150 to ~25 bytes of reply, so a 5 MiB request of small events answers in well under the cap.
 */
const BULK_FILTER = `filter_path=${BULK_FILTER_PATH}`;
/** A bulk reply must be read whole; even every item failing with a long reason fits in this. */
const MAX_BULK_REPLY_BYTES = 64 * 1024 * 1024;

/** An HTTP error of a template call, with the status the sink's start() turns into a hint. */
export class OpenSearchError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'OpenSearchError';
    this.statusCode = statusCode;
  }
}

export function openSearchBackend(config: OpenSearchConfig): BulkBackend {
  const base = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
  const agent: Agent = createAgent(base, config.tls);
  const auth: Record<string, string> = config.username
    ? { authorization: `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}` }
    : {};
  // Relative to the base URL, so a cluster behind a path prefix (https://proxy/opensearch/) works.
  const at = (path: string) => new URL(path, base);

  return {
    async getTemplate(name, timeoutMs) {
      const reply = await httpRequest(agent, {
        method: 'GET', url: at(`_index_template/${encodeURIComponent(name)}`), headers: { ...auth, accept: 'application/json' }, timeoutMs,
      });
      if (reply.status === 404) return undefined;
      return templateNamed(expectOk(reply), name);
    },

    async putTemplate(name, template, timeoutMs) {
      expectAcknowledged(expectOk(await httpRequest(agent, {
        method: 'PUT',
        url: at(`_index_template/${encodeURIComponent(name)}`),
        headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(template),
        timeoutMs,
      })), name);
    },

    async applyRetention(name, patterns, days, timeoutMs) {
      const url = at(`_plugins/_ism/policies/${encodeURIComponent(name)}`);
      const headers = { ...auth, 'content-type': 'application/json', accept: 'application/json' };
      const current = await httpRequest(agent, { method: 'GET', url, headers, timeoutMs });
      // Without the Index State Management plugin the path has no handler (400).
      if (current.status === 400 && /no handler found/.test(current.body)) return 'unsupported';
      const wanted = ismPolicy(patterns, days);
      let put = url;
      if (current.status !== 404) {
        const installed = expectOk(current) as InstalledIsmPolicy;
        if (installed.policy?.description === wanted.policy.description) return 'unchanged';
        // An update names the version it replaces (optimistic concurrency), or ISM answers 409.
        put = new URL(`${url.href}?if_seq_no=${installed._seq_no}&if_primary_term=${installed._primary_term}`);
      }
      expectOk(await httpRequest(agent, { method: 'PUT', url: put, headers, body: JSON.stringify(wanted), timeoutMs }));
      return 'applied';
    },

    async bulk(body, timeoutMs, compress): Promise<BulkReply> {
      let reply: HttpReply;
      try {
        reply = await httpRequest(agent, {
          method: 'POST',
          url: at(`_bulk?${BULK_FILTER}`),
          headers: { ...auth, 'content-type': 'application/x-ndjson', accept: 'application/json' },
          body,
          gzip: compress,
          timeoutMs,
          maxReplyBytes: MAX_BULK_REPLY_BYTES,
        });
      } catch (error) {
        return { kind: 'failure', ...failureReason(error) };
      }
      if (reply.status !== 200) {
        const result: BulkReply = { kind: 'status', status: reply.status, detail: `HTTP ${reply.status}: ${describeError(reply.body)}` };
        const after = parseRetryAfter(reply.headers['retry-after']);
        if (after !== undefined) result.retryAfterMs = after;
        return result;
      }
      try {
        return { kind: 'reply', body: JSON.parse(reply.body) };
      } catch {
        // A 200 that is not JSON: a proxy's page, or a reply cut short.
        return { kind: 'failure', reason: 'bad_reply', detail: `Bulk answered 200 with a body that is not JSON: ${excerpt(reply.body)}` };
      }
    },

    async close() {
      agent.destroy();
    },
  };
}

function expectOk(reply: HttpReply): unknown {
  if (reply.status < 200 || reply.status >= 300) {
    throw new OpenSearchError(reply.status, `HTTP ${reply.status}: ${describeError(reply.body)}`);
  }
  try {
    return JSON.parse(reply.body);
  } catch {
    throw new OpenSearchError(reply.status, `HTTP ${reply.status} with a body that is not JSON: ${excerpt(reply.body)}`);
  }
}

/** OpenSearch's `{"error":{"type","reason"}}`, or the start of whatever else came back. */
function describeError(body: string): string {
  try {
    const root = (JSON.parse(body) as { error?: { type?: string; reason?: string } | string }).error;
    if (typeof root === 'string') return excerpt(root);
    if (root && typeof root === 'object') return excerpt(`${root.type ?? 'error'}: ${root.reason ?? ''}`);
  } catch {
    // not JSON
  }
  return excerpt(body);
}
