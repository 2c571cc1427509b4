import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEntry } from '../../src/sinks/loki/encode.ts';
import { generatedEvents } from '../support/doubles/sink-events.ts';
import { listFiles, logqlSelectorLabels, lokiLabelNames, metricNames, promqlMetrics, readText, yamlDocuments } from './known.ts';

interface Target { refId: string; expr?: string; datasource?: { uid: string; type: string } }
interface Panel { id: number; type: string; title: string; datasource?: { uid: string; type: string }; targets?: Target[]; panels?: Panel[] }
interface Variable { name: string; type: string; query: string; datasource?: { uid: string; type: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

const dashboards = listFiles('config/grafana/dashboards', '.json').map((file) => ({ file, board: JSON.parse(readText(file)) as Dashboard }));
const board = (uid: string) => dashboards.find((d) => d.board.uid === uid)!.board;

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

/** Data sources by uid, from the provisioning file compose mounts. */
function provisionedDataSources(): Map<string, string> {
  const [doc] = yamlDocuments('config/grafana/provisioning/datasources/vigil.yaml') as Array<{ datasources: Array<{ uid: string; type: string }> }>;
  return new Map(doc.datasources.map((ds) => [ds.uid, ds.type]));
}

/**
 * The plugin type a data source reference resolves to. References name a data source variable
 * (`${name}`), never a uid: a uid exists only in the Grafana it was provisioned in.
 */
function dataSourceType(board: Dashboard, where: string, ref: { uid: string; type: string } | undefined): string {
  const name = /^\$\{(\w+)\}$/.exec(ref?.uid ?? '')?.[1];
  assert.ok(name, `${board.uid} ${where} uses data source ${JSON.stringify(ref)}, not a data source variable`);
  const variable = board.templating.list.find((v) => v.name === name && v.type === 'datasource');
  assert.ok(variable, `${board.uid} ${where}: no data source variable ${name}`);
  assert.equal(ref!.type, variable.query, `${board.uid} ${where}: type ${ref!.type} but variable ${name} lists ${variable.query}`);
  assert.ok([...provisionedDataSources().values()].includes(variable.query), `${board.uid} variable ${name}: no ${variable.query} data source is provisioned`);
  return variable.query;
}

/** Every query of a dashboard with the type of data source it goes to. */
function queries(board: Dashboard): Array<{ where: string; type: string; expr: string }> {
  const found: Array<{ where: string; type: string; expr: string }> = [];
  for (const panel of allPanels(board.panels)) {
    for (const target of panel.targets ?? []) {
      const where = `panel "${panel.title}" ${target.refId}`;
      const type = dataSourceType(board, where, target.datasource ?? panel.datasource);
      if (panel.datasource) assert.equal(dataSourceType(board, `panel "${panel.title}"`, panel.datasource), type);
      assert.equal(typeof target.expr, 'string', `${board.uid} ${where} has no expr`);
      found.push({ where: `${board.uid} ${where}`, type, expr: target.expr! });
    }
  }
  // A textbox variable queries nothing: its value goes into the panels' queries.
  for (const variable of board.templating.list.filter((v) => v.type !== 'datasource' && v.type !== 'textbox')) {
    const type = dataSourceType(board, `variable ${variable.name}`, variable.datasource);
    found.push({ where: `${board.uid} variable ${variable.name}`, type, expr: variable.query });
  }
  return found;
}

test('there are two dashboards, vigil health (Prometheus) and security events (Loki, and Prometheus for vigil_security_events_total), with unique uids', () => {
  const uids = dashboards.map(({ board }) => board.uid).sort();
  assert.deepEqual(uids, ['vigil-health', 'vigil-security-events']);
  const types = (uid: string) => new Set(queries(dashboards.find(({ board }) => board.uid === uid)!.board).map((q) => q.type));
  assert.deepEqual(types('vigil-health'), new Set(['prometheus']));
  assert.deepEqual(types('vigil-security-events'), new Set(['loki', 'prometheus']));
});

test('no hard-coded data source: each dashboard chooses its data sources by variable, one per type it queries', () => {
  for (const { file, board } of dashboards) {
    const text = readText(file);
    for (const uid of provisionedDataSources().keys()) assert.doesNotMatch(text, new RegExp(`"uid": "${uid}"`), `${file} names data source uid ${uid}`);
    const variables = board.templating.list.filter((v) => v.type === 'datasource');
    const used = new Set(queries(board).map((q) => q.type));
    assert.deepEqual(variables.map((v) => v.query).sort(), [...used].sort(), `${file}: one data source variable per type queried`);
  }
});

test('an instance variable from vigil_build_info filters every Prometheus query of both dashboards', () => {
  for (const { board } of dashboards) {
    const instance = board.templating.list.find((v) => v.name === 'instance');
    assert.ok(instance, `${board.uid}: no instance variable`);
    assert.equal(instance.query, 'label_values(vigil_build_info, instance)');
    assert.equal(dataSourceType(board, 'variable instance', instance.datasource), 'prometheus');
    let filtered = 0;
    for (const query of queries(board).filter((q) => q.type === 'prometheus' && !q.where.endsWith('variable instance'))) {
      for (const [selector, matchers = ''] of query.expr.matchAll(/\bvigil_[a-z0-9_]+(?:\{([^}]*)\})?/g)) {
        assert.ok(matchers.includes('instance=~"$instance"'), `${query.where}: ${selector} is not filtered by $instance`);
        filtered++;
      }
    }
    assert.ok(filtered >= 2, `${board.uid}: only ${filtered} selectors filtered`);
  }
});

test('the security dashboard also charts vigil_security_events_total by dataset and severity, cluster and namespace', () => {
  const exprs = queries(board('vigil-security-events')).filter((q) => q.type === 'prometheus').map((q) => q.expr);
  const counted = exprs.filter((expr) => promqlMetrics(expr).includes('vigil_security_events_total'));
  for (const grouping of ['sum by (dataset, severity)', 'sum by (cluster, namespace)']) {
    assert.ok(counted.some((expr) => expr.includes(grouping)), `no "${grouping}" query of vigil_security_events_total`);
  }
  // The Loki variables filter these panels too: the same cluster and namespace values (labels.*) on both.
  for (const expr of counted) for (const filter of ['cluster=~"$cluster"', 'namespace=~"$namespace"', 'dataset=~"$dataset"']) assert.ok(expr.includes(filter), `${expr} lacks ${filter}`);
});

test('panel ids are unique within each dashboard and every panel sits on the 24-column grid', () => {
  for (const { file, board } of dashboards) {
    const panels = allPanels(board.panels);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
    for (const panel of panels as Array<Panel & { gridPos: { x: number; w: number; h: number } }>) {
      assert.ok(panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24 && panel.gridPos.h > 0, `${file}: panel ${panel.id} off the grid`);
    }
  }
});

test('every metric a PromQL query names is one vigil exports', async () => {
  const known = await metricNames();
  let checked = 0;
  for (const { board } of dashboards) {
    for (const query of queries(board).filter((q) => q.type === 'prometheus')) {
      const names = promqlMetrics(query.expr);
      assert.ok(names.length > 0, `${query.where}: no vigil metric in ${query.expr}`);
      for (const name of names) assert.ok(known.has(name), `${query.where}: ${name} is not a vigil metric`);
      checked += names.length;
    }
  }
  assert.ok(checked >= 20, `only ${checked} metric references checked`);
});

test('the health dashboard covers listeners, sinks, queues, retries, dead-letter queues and latency', () => {
  const used = new Set(queries(board('vigil-health')).flatMap((q) => promqlMetrics(q.expr)));
  for (const name of ['vigil_events_received_total', 'vigil_events_forwarded_total', 'vigil_queue_depth_jobs', 'vigil_events_retried_total',
    'vigil_dlq_depth_events', 'vigil_events_failed_total', 'vigil_sink_request_seconds_bucket', 'vigil_events_dropped_total', 'vigil_events_parse_failed_total']) {
    assert.ok(used.has(name), `the health dashboard does not chart ${name}`);
  }
});

test('every LogQL stream selector uses only labels the Loki sink sets', () => {
  const labels = lokiLabelNames();
  let checked = 0;
  for (const { board } of dashboards) {
    for (const query of queries(board).filter((q) => q.type === 'loki')) {
      const used = logqlSelectorLabels(query.expr);
      assert.ok(used.length > 0, `${query.where}: no stream selector in ${query.expr}`);
      for (const name of used) assert.ok(labels.has(name), `${query.where}: label ${name} is not one the Loki sink sets (${[...labels].join(', ')})`);
      checked += used.length;
    }
  }
  assert.ok(checked >= 20, `only ${checked} label references checked`);
});

test('the security dashboard charts events by dataset, level, namespace and rule', () => {
  const exprs = queries(board('vigil-security-events')).filter((q) => q.type === 'loki').map((q) => q.expr).join('\n');
  for (const grouping of ['sum by (dataset)', 'sum by (level)', 'sum by (namespace)', 'sum by (rule)']) assert.ok(exprs.includes(grouping), `no "${grouping}" query`);
  // rule.name is per event, never a stream label: it must come from the JSON line.
  assert.match(exprs, /\| json rule="rule\.name"/);
  // Stream labels hold only configured clusters and namespaces (labels.*): the top lists read the events' own.
  assert.match(exprs, /ns="orchestrator\.namespace" .*\| label_format namespace="\{\{\.ns\}\}"/);
  assert.match(exprs, /cl="orchestrator\.cluster\.name" .*\| label_format cluster="\{\{\.cl\}\}"/);
});

test('the security dashboard has "everything about one workload": the workload key the Loki sink attaches as structured metadata, from a box', () => {
  const security = board('vigil-security-events');
  const panel = allPanels(security.panels).find((p) => p.title === 'Everything about one workload');
  assert.ok(panel, 'no workload panel');
  const [expr] = (panel.targets ?? []).map((target) => target.expr!);
  // The structured metadata key the Loki sink writes (src/sinks/loki/encode.ts), never a stream label.
  const [metadataKey] = Object.keys(JSON.parse(encodeEntry({ ...generatedEvents(1)[0]!, workload: 'c/n/Deployment/d' }, 0, {}, { metadata: true, fallbackNanos: 0n }).text)[2]).filter((key) => key !== 'event_id');
  assert.equal(metadataKey, 'workload');
  assert.match(expr!, new RegExp(`\\| ${metadataKey}="\\$workload"`));
  assert.ok(!lokiLabelNames().has('workload'), 'the workload key is no stream label');
  assert.ok(security.templating.list.some((v) => v.name === 'workload' && v.type === 'textbox'), 'no workload variable');
});

test('Grafana provisioning loads the dashboards from where compose mounts them', () => {
  const [provider] = (yamlDocuments('config/grafana/provisioning/dashboards/vigil.yaml') as Array<{ providers: Array<{ options: { path: string } }> }>)[0].providers;
  const compose = yamlDocuments('docker-compose.yml')[0] as { services: { grafana: { volumes: string[] } } };
  assert.ok(compose.services.grafana.volumes.includes(`./config/grafana/dashboards:${provider.options.path}:ro`));
  for (const kind of ['datasources', 'dashboards']) {
    assert.ok(compose.services.grafana.volumes.includes(`./config/grafana/provisioning/${kind}:/etc/grafana/provisioning/${kind}:ro`), kind);
  }
});
