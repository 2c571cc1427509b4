import type { WebhookRoute } from './webhook-route.ts';
import { alertmanagerRoute } from './alertmanager.ts';
import { falcoRoute } from './falco.ts';
import { jsonRoute } from './json.ts';
import { k8sAuditRoute } from './k8s-audit.ts';
import { neuvectorRoute } from './neuvector.ts';

/** Every webhook kind served under /ingest/: one line per kind. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [
  neuvectorRoute,
  falcoRoute,
  k8sAuditRoute,
  alertmanagerRoute,
  jsonRoute,
];
