import { auditItems } from '../../parsers/k8s-audit/items.ts';
import { requireJsonType, requireWellFormedJson, type WebhookRoute } from './webhook-route.ts';

/**
 * Kubernetes audit webhook backend: an audit.k8s.io/v1 EventList per POST. The API server
 * retries a batch on any non-2xx, so malformed JSON is refused with a reason rather than stored.
 * One event per item of the list.
 */
export const k8sAuditRoute: WebhookRoute = {
  kind: 'k8s-audit',
  format: 'k8s-audit',
  check(body, mediaType) {
    return requireJsonType(mediaType) ?? requireWellFormedJson(body, (document) => {
      const found = auditItems(document);
      return found.ok ? found.items.length : 1;
    });
  },
};
