import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENV_OVERRIDES } from '../../src/config/load.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { baseLabels, streamLabels } from '../../src/sinks/loki/encode.ts';
import { indexTemplate } from '../../src/sinks/elasticsearch/template.ts';
import { templatePatterns } from '../../src/sinks/elasticsearch/data-stream.ts';
import { ROOT } from '../support/vigil.ts';

/**
 * What the deployment files may refer to, read from vigil's own code rather than listed by hand:
 * a dashboard, alert or manifest naming anything else refers to something vigil does not have.
 */

export { ROOT };

/** Every metric name /metrics can expose, histogram series included (default process metrics too). */
export async function metricNames(): Promise<Set<string>> {
  const metrics = new Metrics({ defaultMetrics: true });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    const type = String(metric.type);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** The metric names a PromQL expression mentions (vigil's own are prefixed vigil_). */
export function promqlMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bvigil_[a-z0-9_]+/g)].map((match) => match[0]);
}

/** Environment variables vigil reads: VIGIL_CONFIG, every override and its `_FILE` form. */
export function vigilEnvNames(): Set<string> {
  const names = new Set(['VIGIL_CONFIG']);
  for (const { env } of ENV_OVERRIDES) names.add(env).add(`${env}_FILE`);
  return names;
}

/** The stream labels the Loki sink sets, given an event that has every routing field. */
export function lokiLabelNames(): Set<string> {
  const event = { id: 'x', timestamp: '2026-01-01T00:00:00Z', dataset: 'd', module: 'm', level: 'info', cluster: 'c', namespace: 'n', host: 'h', json: '{}' };
  return new Set(Object.keys(streamLabels(event, baseLabels({}))));
}

/** Label names of the stream selectors (`{name="v", ...}`) in a LogQL expression or variable query. */
export function logqlSelectorLabels(expr: string): string[] {
  const names: string[] = [];
  for (const [, body] of expr.matchAll(/\{([^{}]*)\}/g)) {
    for (const [, name] of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g)) names.push(name);
  }
  return names;
}

/** Dotted paths of every field the Elasticsearch index template maps (objects and leaves). */
export function templateFields(): Set<string> {
  const fields = new Set<string>();
  const walk = (properties: Record<string, { properties?: Record<string, unknown> }>, prefix: string) => {
    for (const [name, mapping] of Object.entries(properties)) {
      const path = prefix + name;
      fields.add(path);
      if (mapping.properties) walk(mapping.properties as Record<string, { properties?: Record<string, unknown> }>, `${path}.`);
    }
  };
  const { mappings } = indexTemplate(templatePatterns()).template as unknown as { mappings: { properties: Record<string, { properties?: Record<string, unknown> }> } };
  walk(mappings.properties, '');
  return fields;
}

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Every YAML document of a file, failing on any parse error or warning; `<<` merge keys resolved, as compose and kubectl do. */
export function yamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readText(path), { merge: true }).map((doc) => {
    if (doc.errors.length || doc.warnings.length) throw new Error(`${path}: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  }).filter((doc) => doc !== null);
}

export function listFiles(dir: string, extension: string): string[] {
  return readdirSync(join(ROOT, dir)).filter((name) => name.endsWith(extension)).sort().map((name) => `${dir}/${name}`);
}
