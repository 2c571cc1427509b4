import { isObject } from '../../parsers/kit/json-read.ts';
import { requireJsonType, requireWellFormedJson, type WebhookRoute } from './webhook-route.ts';

/** Prometheus Alertmanager webhook receiver (payload version 4): JSON only, malformed JSON refused. One event per alert. */
export const alertmanagerRoute: WebhookRoute = {
  kind: 'alertmanager',
  format: 'alertmanager',
  check(body, mediaType) {
    return requireJsonType(mediaType)
      ?? requireWellFormedJson(body, (notification) => (isObject(notification) && Array.isArray(notification.alerts) ? notification.alerts.length : 1));
  },
};
