import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listFiles, logqlSelectorLabels, lokiLabelNames, metricNames, promqlMetrics, readText, yamlDocuments } from './known.ts';

interface Target { refId: string; expr?: string; datasource?: { uid: string; type: string } }
interface Panel { id: number; type: string; title: string; datasource?: { uid: string; type: string }; targets?: Target[]; panels?: Panel[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; query: string; datasource: { uid: string } }> } }

const dashboards = listFiles('config/grafana/dashboards', '.json').map((file) => ({ file, board: JSON.parse(readText(file)) as Dashboard }));

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

/** Data sources by uid, from the provisioning file compose mounts. */
function provisionedDataSources(): Map<string, string> {
  const [doc] = yamlDocuments('config/grafana/provisioning/datasources/vigil.yaml') as Array<{ datasources: Array<{ uid: string; type: string }> }>;
  return new Map(doc.datasources.map((ds) => [ds.uid, ds.type]));
}

/** Every query of a dashboard with the type of data source it goes to. */
function queries(board: Dashboard): Array<{ where: string; type: string; expr: string }> {
  const sources = provisionedDataSources();
  const found: Array<{ where: string; type: string; expr: string }> = [];
  for (const panel of allPanels(board.panels)) {
    for (const target of panel.targets ?? []) {
      const uid = target.datasource?.uid ?? panel.datasource?.uid;
      assert.ok(uid && sources.has(uid), `${board.uid} panel "${panel.title}" uses data source ${uid}, not provisioned`);
      assert.equal(typeof target.expr, 'string', `${board.uid} panel "${panel.title}" ${target.refId} has no expr`);
      found.push({ where: `${board.uid} panel "${panel.title}" ${target.refId}`, type: sources.get(uid)!, expr: target.expr! });
    }
  }
  for (const variable of board.templating.list) {
    const type = sources.get(variable.datasource.uid);
    assert.ok(type, `${board.uid} variable ${variable.name} uses an unprovisioned data source`);
    found.push({ where: `${board.uid} variable ${variable.name}`, type, expr: variable.query });
  }
  return found;
}

test('there are two dashboards, vigil health (Prometheus) and security events (Loki), with unique uids', () => {
  const uids = dashboards.map(({ board }) => board.uid).sort();
  assert.deepEqual(uids, ['vigil-health', 'vigil-security-events']);
  const types = (uid: string) => new Set(queries(dashboards.find(({ board }) => board.uid === uid)!.board).map((q) => q.type));
  assert.deepEqual(types('vigil-health'), new Set(['prometheus']));
  assert.deepEqual(types('vigil-security-events'), new Set(['loki']));
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
  const { board } = dashboards.find(({ board }) => board.uid === 'vigil-health')!;
  const used = new Set(queries(board).flatMap((q) => promqlMetrics(q.expr)));
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
  const { board } = dashboards.find(({ board }) => board.uid === 'vigil-security-events')!;
  const exprs = queries(board).map((q) => q.expr).join('\n');
  for (const grouping of ['sum by (dataset)', 'sum by (level)', 'sum by (namespace)', 'sum by (rule)']) assert.ok(exprs.includes(grouping), `no "${grouping}" query`);
  // rule.name is per event, never a stream label: it must come from the JSON line.
  assert.match(exprs, /\| json rule="rule\.name"/);
  // Stream labels hold only configured clusters and namespaces (labels.*): the top lists read the events' own.
  assert.match(exprs, /ns="orchestrator\.namespace" .*\| label_format namespace="\{\{\.ns\}\}"/);
  assert.match(exprs, /cl="orchestrator\.cluster\.name" .*\| label_format cluster="\{\{\.cl\}\}"/);
});

test('Grafana provisioning loads the dashboards from where compose mounts them', () => {
  const [provider] = (yamlDocuments('config/grafana/provisioning/dashboards/vigil.yaml') as Array<{ providers: Array<{ options: { path: string } }> }>)[0].providers;
  const compose = yamlDocuments('docker-compose.yml')[0] as { services: { grafana: { volumes: string[] } } };
  assert.ok(compose.services.grafana.volumes.includes(`./config/grafana/dashboards:${provider.options.path}:ro`));
  for (const kind of ['datasources', 'dashboards']) {
    assert.ok(compose.services.grafana.volumes.includes(`./config/grafana/provisioning/${kind}:/etc/grafana/provisioning/${kind}:ro`), kind);
  }
});
