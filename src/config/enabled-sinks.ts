import { join } from 'node:path';
import { deliverySchema, type Config, type DeliveryPolicy } from './schema.ts';
import { ConfigError } from './errors.ts';
import { check, closest } from './issues.ts';
import { sinks as registry, type SinkFactory } from '../sinks/index.ts';

export interface EnabledSink {
  name: string;
  factory: SinkFactory;
  /** The sink's own section, validated and defaulted by its schema. */
  options: unknown;
  policy: DeliveryPolicy;
}

const DELIVERY_KEYS = Object.keys(deliverySchema.shape);

/**
 * The sinks this configuration turns on, each section validated by its own sink's schema. A
 * section that is null or has `enabled: false` is off. With none on, events go to the NDJSON file
 * sink under data_dir, so a first run shows results with no backend at all.
 */
export function enabledSinks(config: Config): EnabledSink[] {
  let sections = Object.entries(config.sinks).filter(
    (entry): entry is [string, Record<string, unknown>] => entry[1] !== null && entry[1].enabled !== false,
  );
  if (sections.length === 0) sections = [['file', { path: join(config.data_dir, 'out', 'events.ndjson') }]];

  const known = Object.keys(registry);
  const unknown = sections.filter(([name]) => !registry[name]).map(([name]) => {
    const near = closest(name, known);
    return `sinks.${name}: no such sink${near ? `; did you mean ${near}?` : ''} (known: ${known.join(', ')})`;
  });
  const problems: string[] = [];
  const enabled: EnabledSink[] = [];
  for (const [name, section] of sections) {
    const factory = registry[name];
    if (!factory) continue;
    const own: Record<string, unknown> = {};
    const delivery: Record<string, unknown> = { ...config.delivery };
    for (const [key, value] of Object.entries(section)) {
      if (key === 'enabled') continue;
      (DELIVERY_KEYS.includes(key) ? delivery : own)[key] = value;
    }
    // A mistyped delivery key lands among the sink's own keys: suggest those too.
    const options = check(factory.schema, own, ['sinks', name], [...DELIVERY_KEYS, 'enabled']);
    const policy = check(deliverySchema, delivery, ['sinks', name]);
    if (!options.success) problems.push(...options.problems);
    if (!policy.success) problems.push(...policy.problems);
    if (options.success && policy.success) enabled.push({ name, factory, options: options.data, policy: policy.data });
  }
  if (unknown.length && !problems.length) throw new ConfigError('VIGIL_ERR_SINK_UNKNOWN', unknown);
  if (problems.length) throw new ConfigError('VIGIL_ERR_CONFIG_INVALID', [...unknown, ...problems]);
  return enabled;
}
