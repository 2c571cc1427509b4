import { requireJsonType, requireWellFormedJson, type WebhookRoute } from '../webhook-route.ts';

/** Prometheus Alertmanager webhook receiver (payload version 4): JSON only, malformed JSON refused. */
export const alertmanagerRoute: WebhookRoute = {
  kind: 'alertmanager',
  format: 'alertmanager',
  check(body, mediaType) {
    return requireJsonType(mediaType) ?? requireWellFormedJson(body);
  },
};
