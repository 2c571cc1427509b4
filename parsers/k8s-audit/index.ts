import type { Format } from '../kit/format.ts';
import { fail, guarded, okAll, type ParseResult } from '../kit/result.ts';
import { isObject } from '../kit/json-read.ts';
import { tryParseLossless } from '../kit/json-lossless.ts';
import { failedItem } from '../kit/item-failure.ts';
import { auditItems } from './items.ts';
import { fromAuditEvent } from './audit-event.ts';

/** Kubernetes audit webhook: an audit.k8s.io/v1 EventList → one event per item. */
export const k8sAudit: Format = {
  name: 'k8s-audit',
  datasets: ['kubernetes.audit_logs'],
  openObjects: ['kubernetes.audit.annotations', 'kubernetes.audit.requestObject', 'kubernetes.audit.responseObject'],
  parse: (body) => guarded('k8s-audit parser crashed', () => parseAudit(body)),
};

function parseAudit(body: string): ParseResult {
  const parsed = tryParseLossless(body);
  if (!parsed.ok) return fail(parsed.reason);
  const found = auditItems(parsed.value);
  if (!found.ok) return fail(found.reason);
  return okAll(found.items.map((item) => {
    // Each event of a batch keeps its own item, not the whole batch, as its original.
    const original = found.batch ? JSON.stringify(item) : undefined;
    return isObject(item)
      ? fromAuditEvent(item, original)
      : failedItem('k8s-audit item is not an object', original ?? body, { event: { module: 'kubernetes', dataset: 'kubernetes.audit_logs' } });
  }));
}
