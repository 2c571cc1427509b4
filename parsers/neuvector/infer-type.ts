import type { Fields } from './fields.ts';
import { scanKv, type KvRead } from './kv.ts';
import { SCHEMAS, type NotificationType } from './schema.ts';

/** Container lifecycle events: syslog sends them as `notification=activity`, webhooks as events. */
const ACTIVITY_NAMES = new Set(['Container.Start', 'Container.Stop', 'Container.Remove', 'Container.Secured']);

/** The dataset of an event a webhook reported as `event`: activities are told apart by name, as syslog does. */
export function datasetOf(type: NotificationType, fields: Fields): NotificationType {
  return type === 'event' && typeof fields.name === 'string' && ACTIVITY_NAMES.has(fields.name) ? 'activity' : type;
}

/**
 * The type of a struct a webhook sent without naming it, from keys only that type prints
 * (non-omitempty keys, so they are there even when empty).
 */
export function typeFromKeys(has: (key: string) => boolean): NotificationType | undefined {
  if (has('threat_id')) return 'threat';
  if (has('policy_action') || has('client_id')) return 'violation';
  if (has('rule_id')) return 'incident';
  if (has('high_vul_cnt') || has('critical_vul_cnt') || has('medium_vul_cnt')) return 'audit';
  if (has('controller_id') || has('user_roles') || has('category')) return 'event';
  return undefined;
}

const CANDIDATES: readonly NotificationType[] = ['threat', 'violation', 'incident', 'audit', 'event'];

/**
 * A key-value struct without `notification=`: read it with every type's key order and keep the
 * reading that recognises the most keys (a wrong order absorbs the keys it does not know into
 * values, so it recognises fewer).
 */
export function scanUnnamedKv(text: string, start: number): { type: NotificationType; read: KvRead } | undefined {
  let best: { type: NotificationType; read: KvRead } | undefined;
  for (const type of CANDIDATES) {
    const read = scanKv(text, start, SCHEMAS[type]);
    if (read && read.recognised > (best?.read.recognised ?? 0)) best = { type, read };
  }
  // Every struct prints at least level, reported_timestamp, reported_at and cluster_name.
  return best && best.read.recognised >= 4 ? best : undefined;
}
