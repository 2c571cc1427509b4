import type { EcsEvent } from '../kit/ecs.ts';
import { compact, isObject, text, type JsonObject } from '../kit/json-read.ts';
import { toUtcTimestamp } from '../kit/json-timestamp.ts';
import { fromName } from '../kit/severity.ts';

/** The notification's own keys kept on every alert's event (the rest are group summaries of the alerts). */
const NOTIFICATION_KEYS = ['receiver', 'groupKey', 'externalURL', 'notification_reason', 'truncatedAlerts'] as const;

// Go's zero time: Alertmanager writes it as endsAt of an alert that has not ended.
const NOT_SET = '0001-01-01T00:00:00Z';

/** One alert of a webhook notification → its ECS event, alert and notification keys kept under alertmanager.*. */
export function fromAlert(alert: JsonObject, notification: JsonObject): EcsEvent {
  const labels = isObject(alert.labels) ? alert.labels : {};
  const annotations = isObject(alert.annotations) ? alert.annotations : {};
  const status = text(alert.status) ?? text(notification.status);
  const resolved = status === 'resolved';
  const startsAt = text(alert.startsAt);
  const start = startsAt && toUtcTimestamp(startsAt);
  const endsAt = text(alert.endsAt);
  const end = endsAt && endsAt !== NOT_SET ? toUtcTimestamp(endsAt) : undefined;
  const severityLabel = text(labels.severity);
  const level = severityLabel !== undefined ? fromName(severityLabel) : undefined;
  const alertname = text(labels.alertname);
  const fingerprint = text(alert.fingerprint);

  const event = compact<EcsEvent>({
    '@timestamp': (resolved ? end : undefined) ?? start,
    message: text(annotations.summary) ?? text(annotations.description) ?? alertname ?? (fingerprint && `alert ${fingerprint}`),
    event: {
      kind: resolved ? 'event' : 'alert',
      type: resolved ? ['end'] : undefined,
      module: 'alertmanager',
      dataset: 'alertmanager.alert',
      severity: level?.severity,
      start,
      end,
      reference: text(alert.generatorURL),
      // Alertmanager re-notifies the same alert (repeat_interval, retries after 5xx): one id per alert and state.
      id: fingerprint && `${fingerprint}:${status ?? ''}:${startsAt ?? ''}`,
      original: JSON.stringify(alert),
    },
    log: { level: level?.level },
    rule: { name: alertname },
    orchestrator: { namespace: text(labels.namespace), cluster: { name: text(labels.cluster) } },
  }) ?? {};
  event.alertmanager = { ...alert, ...notificationKeys(notification) };
  return event;
}

function notificationKeys(notification: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of NOTIFICATION_KEYS) if (Object.hasOwn(notification, key)) out[key] = notification[key];
  return out;
}
