import { join } from 'node:path';
import { deliverySchema, type Config, type DeliveryPolicy } from './schema.ts';
import { ConfigError } from './errors.ts';
import { check, closest } from './issues.ts';
import { sinks as registry, type SinkFactory } from '../sinks/index.ts';
import { filterSchema, type FilterConfig } from './sink-filter.ts';

export interface EnabledSink {
  /** The instance: `sinks.<name>`. */
  name: string;
  /** Its registry entry (src/sinks/index.ts). */
  type: string;
  factory: SinkFactory;
  /** The sink's own section, validated and defaulted by its schema. */
  options: unknown;
  policy: DeliveryPolicy;
  /** Which events the sink gets (sink-filter.ts). */
  filter: FilterConfig;
}

const DELIVERY_KEYS = Object.keys(deliverySchema.shape);

/**
 * Sink types as `sinks.<name>.type` names them, each a registry entry. A section without `type`
 * is named after its type (`sinks.elasticsearch`, `sinks.splunk-hec`): the shorthand.
 */
export const SINK_TYPES: Readonly<Record<string, string>> = Object.fromEntries(Object.keys(registry).map((key) => [key.replaceAll('-', '_'), key]));

/** An instance name: it names a queue, a dead-letter queue and the `sink` label of every metric. */
const INSTANCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The sinks this configuration turns on, each section validated by its own sink's schema. A
 * section that is null or has `enabled: false` is off. With none on, events go to the NDJSON file
 * sink under data_dir, so a first run shows results with no backend at all. Several sections may
 * be of one type (`sinks.soc` and `sinks.archive`, both `type: elasticsearch`): each is an
 * instance with its own queue, retries, dead-letter queue and metrics.
 */
export function enabledSinks(config: Config): EnabledSink[] {
  let sections = Object.entries(config.sinks).filter(
    (entry): entry is [string, Record<string, unknown>] => entry[1] !== null && entry[1].enabled !== false,
  );
  if (sections.length === 0) sections = [['file', { path: join(config.data_dir, 'out', 'events.ndjson') }]];

  const types = Object.keys(SINK_TYPES);
  const problems: string[] = [];
  const unknown: string[] = [];
  const enabled: EnabledSink[] = [];
  for (const [name, section] of sections) {
    const type = section.type;
    if (!INSTANCE_NAME.test(name)) {
      problems.push(`sinks.${name}: a sink name is lowercase letters, digits, _ and - (at most 63), as it names a queue and a metric label`);
      continue;
    }
    if (type !== undefined && (typeof type !== 'string' || !SINK_TYPES[type])) {
      const near = typeof type === 'string' ? closest(type, types) : undefined;
      problems.push(`sinks.${name}.type: no such sink type ${JSON.stringify(type)}${near ? `; did you mean ${near}?` : ''} (known: ${types.join(', ')})`);
      continue;
    }
    const key = type !== undefined ? SINK_TYPES[type]! : (registry[name] ? name : SINK_TYPES[name]);
    const factory = key ? registry[key] : undefined;
    if (!factory) {
      const near = closest(name, [...Object.keys(registry), ...types]);
      unknown.push(`sinks.${name}: no such sink${near ? `; did you mean ${near}?` : ''}; name one of ${types.join(', ')}, or give the section a type`);
      continue;
    }
    const own: Record<string, unknown> = {};
    const delivery: Record<string, unknown> = { ...config.delivery };
    for (const [key, value] of Object.entries(section)) {
      if (key === 'enabled' || key === 'filter' || key === 'type') continue;
      (DELIVERY_KEYS.includes(key) ? delivery : own)[key] = value;
    }
    // A mistyped delivery key lands among the sink's own keys: suggest those too.
    const options = check(factory.schema, own, ['sinks', name], [...DELIVERY_KEYS, 'enabled', 'filter', 'type']);
    const policy = check(deliverySchema, delivery, ['sinks', name]);
    const filter = check(filterSchema, section.filter, ['sinks', name, 'filter']);
    for (const result of [options, policy, filter]) if (!result.success) problems.push(...result.problems);
    if (options.success && policy.success && filter.success) {
      enabled.push({ name, type: key!, factory, options: options.data, policy: policy.data, filter: filter.data });
    }
  }
  if (unknown.length && !problems.length) throw new ConfigError('VIGIL_ERR_SINK_UNKNOWN', unknown);
  if (problems.length) throw new ConfigError('VIGIL_ERR_CONFIG_INVALID', [...unknown, ...problems]);
  return enabled;
}
