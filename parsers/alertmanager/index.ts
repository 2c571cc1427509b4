import type { Format } from '../kit/format.ts';
import { fail, guarded, okAll, type ParseResult } from '../kit/result.ts';
import { isObject } from '../kit/json-read.ts';
import { tryParseLossless } from '../kit/json-lossless.ts';
import { failedItem } from '../kit/item-failure.ts';
import { fromAlert } from './alert.ts';

/** Prometheus Alertmanager webhook (payload version 4): one event per alert of the notification. */
export const alertmanager: Format = {
  name: 'alertmanager',
  datasets: ['alertmanager.alert'],
  openObjects: ['alertmanager.labels', 'alertmanager.annotations'],
  parse: (body) => guarded('alertmanager parser crashed', () => parseNotification(body)),
};

function parseNotification(body: string): ParseResult {
  const parsed = tryParseLossless(body);
  if (!parsed.ok) return fail(parsed.reason);
  const notification = parsed.value;
  if (!isObject(notification) || !Array.isArray(notification.alerts)) {
    return fail('alertmanager body is not a webhook notification: no "alerts" array');
  }
  return okAll(notification.alerts.map((alert) => isObject(alert)
    ? fromAlert(alert, notification)
    : failedItem('alertmanager alert is not an object', JSON.stringify(alert), { event: { module: 'alertmanager', dataset: 'alertmanager.alert' } })));
}
