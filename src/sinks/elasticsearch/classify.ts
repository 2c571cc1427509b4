import { commonStatusOutcome, dead, excerpt, retry, times, unexpected, type AttemptResult } from '../kit/outcome.ts';
import { OK, type Outcome } from '../kit/types.ts';

/** The bulk API's answer, or why there was none, as plain data for classifyBulk. */
export type BulkReply =
  /** HTTP 200: the parsed body, items in request order. */
  | { kind: 'reply'; body: unknown }
  /** Any other HTTP status, for the whole request. */
  | { kind: 'status'; status: number; retryAfterMs?: number; detail: string }
  /** No usable HTTP answer. `not_elasticsearch`: a 2xx without `x-elastic-product: Elasticsearch`. */
  | { kind: 'failure'; reason: 'network' | 'timeout' | 'not_elasticsearch' | 'bad_reply'; detail: string };

/** The parts of a bulk answer classifyBulk reads, as `filter_path` (honoured by every Elasticsearch and OpenSearch API). */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

/** Item error types that mean "this document does not fit the mapping": fix the event or the template. */
const MAPPING_ERRORS = new Set(['document_parsing_exception', 'mapper_parsing_exception', 'strict_dynamic_mapping_exception']);

interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/**
 * Verdict per event for one bulk request of `count` create actions (Elasticsearch bulk API,
 * elasticsearch-specification specification/_global/bulk/BulkResponse.ts).
 * Per item: 200/201 ok; 409 on create = written by an earlier attempt, ok; 429 and 5xx retry;
 * 400 family dead ('mapping_error' for parse/mapping failures, else 'rejected'); 403/404 and other
 * 4xx dead. Whole request: 413 → too large (the caller halves the batch), 400 → dead 'bad_request'
 * (resending the same body cannot help), 429/5xx/network → retry, 401/403 → retry 'unauthorized'.
 */
export function classifyBulk(reply: BulkReply, count: number): AttemptResult {
  switch (reply.kind) {
    case 'failure': {
      if (reply.reason === 'not_elasticsearch') {
        // Something else answers at that URL (a proxy login page, another product): configuration.
        return times(count, retry('unauthorized', undefined, reply.detail));
      }
      const reason = reply.reason === 'bad_reply' ? 'server_error' : reply.reason;
      return times(count, retry(reason, undefined, reply.detail));
    }
    case 'status': {
      const common = commonStatusOutcome(reply.status, reply.retryAfterMs, reply.detail);
      if (common) return common.kind === 'too_large' ? common : times(count, common);
      return times(count, dead('bad_request', reply.detail));
    }
    case 'reply':
      return classifyItems(reply.body, count);
  }
}

function classifyItems(body: unknown, count: number): Outcome[] {
  const items = (body as { items?: unknown } | null | undefined)?.items;
  if (!Array.isArray(items)) {
    // A proxy or another product answering 200: nothing says what was written; create by _id makes the resend safe.
    return times(count, retry('server_error', undefined, unexpected(`a bulk answer {"items":[…]} with ${count} items`, body)));
  }
  const outcomes: Outcome[] = [];
  for (let i = 0; i < count; i++) {
    const entry: unknown = items[i];
    // An item is { "<operation>": result }: read without building an entries array per item.
    let outcome: Outcome | undefined;
    if (entry !== null && typeof entry === 'object') {
      for (const operation in entry) {
        const result: unknown = (entry as Record<string, unknown>)[operation];
        if (result !== null && typeof result === 'object' && typeof (result as BulkItemResult).status === 'number') {
          outcome = classifyItem(operation, result as BulkItemResult);
        }
        break;
      }
    }
    outcomes.push(outcome ?? retry('server_error', undefined, entry === undefined
      ? `Bulk answer has ${items.length} items for ${count} actions`
      : unexpected(`bulk item ${i} as {"<action>":{"status":<number>,…}}`, JSON.stringify(entry))));
  }
  return outcomes;
}

export function classifyItem(operation: string, item: BulkItemResult): Outcome {
  const status = item.status ?? 0;
  if (status >= 200 && status < 300) return OK;
  const detail = describeItemError(status, item.error);
  if (status === 409) return operation === 'create' ? OK : dead('conflict', detail);
  if (status === 429) return retry('rate_limited', undefined, detail);
  if (status >= 500) return retry(status === 503 ? 'unavailable' : 'server_error', undefined, detail);
  if (status === 400 && MAPPING_ERRORS.has(item.error?.type ?? '')) return dead('mapping_error', detail);
  if (status >= 400) return dead('rejected', detail);
  return retry('server_error', undefined, detail);
}

function describeItemError(status: number, error: BulkItemResult['error']): string {
  if (!error) return `item status ${status}`;
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})` : '';
  return excerpt(`${status} ${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`);
}
