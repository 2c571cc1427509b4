/**
 * SinkEvents for sink tests: the ECS events in fixtures/sinks/ecs-events.ndjson (Falco with
 * integers beyond 2^53 and clashing dotted keys, NeuVector, Kubernetes audit, Alertmanager,
 * syslog), and a seeded generator for batches of any size. `json` is always the fixture line as
 * written, so checks can compare digits byte for byte.
 */
import { readFileSync } from 'node:fs';
import type { SinkEvent } from '../../../src/sinks/kit/types.ts';

const FIXTURE = new URL('../../../fixtures/sinks/ecs-events.ndjson', import.meta.url);

interface EcsShape {
  '@timestamp': string;
  event: { id: string; dataset: string; module: string };
  log?: { level?: string };
  orchestrator?: { cluster?: { name?: string }; namespace?: string };
  observer?: { hostname?: string };
  host?: { hostname?: string };
}

/** The routing fields of a SinkEvent, read from its ECS JSON text (test-side only). */
export function sinkEventFromJson(json: string): SinkEvent {
  const ecs = JSON.parse(json) as EcsShape;
  const event: SinkEvent = {
    id: ecs.event.id,
    timestamp: ecs['@timestamp'],
    dataset: ecs.event.dataset,
    module: ecs.event.module,
    level: ecs.log?.level ?? 'info',
    json,
  };
  const cluster = ecs.orchestrator?.cluster?.name;
  const namespace = ecs.orchestrator?.namespace;
  const host = ecs.observer?.hostname ?? ecs.host?.hostname;
  if (cluster !== undefined) event.cluster = cluster;
  if (namespace !== undefined) event.namespace = namespace;
  if (host !== undefined) event.host = host;
  return event;
}

/** The fixture events, in file order. */
export function fixtureEvents(): SinkEvent[] {
  return readFileSync(FIXTURE, 'utf8').split('\n').filter((line) => line.trim() !== '').map(sinkEventFromJson);
}

/**
 * `count` distinct small events (ids `gen-<seed>-<i>`), one second apart from `start`, spread
 * over a few datasets and namespaces so streams and sourcetypes vary.
 */
export function generatedEvents(count: number, options: { seed?: number; start?: string; padding?: number } = {}): SinkEvent[] {
  const seed = options.seed ?? 1;
  const start = Date.parse(options.start ?? '2025-06-03T14:00:00.000Z');
  const datasets = ['neuvector.violation', 'falco.alerts', 'kubernetes.audit_logs'];
  const levels = ['warning', 'notice', 'info'];
  const pad = 'x'.repeat(options.padding ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const dataset = datasets[(i + seed) % datasets.length]!;
    const module = dataset.split('.')[0]!;
    const level = levels[(i + seed) % levels.length]!;
    const namespace = `ns-${(i + seed) % 2}`;
    const id = `gen-${seed}-${i}`;
    const timestamp = new Date(start + i * 1000).toISOString();
    const json =
      `{"@timestamp":"${timestamp}","event":{"id":"${id}","kind":"event","severity":${i % 8},"module":"${module}",` +
      `"dataset":"${dataset}"},"log":{"level":"${level}"},"orchestrator":{"namespace":"${namespace}"},` +
      `"message":"generated event ${i}${pad}"}`;
    return { id, timestamp, dataset, module, level, namespace, json };
  });
}
