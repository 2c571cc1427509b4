import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { SplunkHecDouble } from '../support/doubles/splunk-hec.ts';
import { waitFor } from '../support/memory-sink.ts';
import { requireProgram, skipUnlessInstalled, startProgram, waitForPort } from '../support/real-program.ts';
import { post, sendOneOfEach, sendTcp } from '../support/senders.ts';
import { spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { ROOT, listFiles, promqlMetrics, readText, yamlDocuments } from './known.ts';

// Debian's Prometheus scrapes a running vigil through the shipped configuration
// (config/prometheus/prometheus.yml, as compose runs it: the target and rule paths are translated
// to this test's vigil and the repository's files, nothing else changes, 15 s intervals included),
// evaluates the shipped alert rules on the live series, and answers the Grafana dashboards' queries.
// Alerts are checked as active (pending or firing): their `for:` holds of 5 to 15 minutes are
// covered by `promtool test rules` in prometheus.test.ts.

const INSTALL = 'apt-get install prometheus';
const skip = skipUnlessInstalled('prometheus', INSTALL);
const HEC_TOKEN = 'hec-token-prometheus';

interface ScrapeConfig { job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }
interface PrometheusConfig { global: Record<string, string>; rule_files: string[]; scrape_configs: ScrapeConfig[] }

/**
 * The shipped prometheus.yml with compose's view translated to this machine: the vigil target
 * (compose service `vigil`, the port of a vigil listener in vigil's default config: the admin
 * listener's) to 127.0.0.1 and the test vigil's port of that listener, and rule_files to the
 * folder compose mounts there.
 */
function shippedPrometheusConfig(vigil: SpawnedVigil): { config: PrometheusConfig; job: ScrapeConfig } {
  const [config] = yamlDocuments('config/prometheus/prometheus.yml') as PrometheusConfig[];
  const job = config.scrape_configs.find((scrape) => scrape.job_name === 'vigil')!;
  const [target] = job.static_configs[0].targets;
  const [host, port] = target.split(':');
  assert.equal(host, 'vigil', 'the target is the compose service');
  const defaults = loadConfig({ VIGIL_DATA_DIR: tmpdir() }, join(ROOT, 'config/default.yaml'));
  // Which vigil listener serves the scraped port in vigil's default config.
  const ports = { http: defaults.listen.http_port, admin: defaults.listen.admin.port } as const;
  const listener = (Object.keys(ports) as Array<keyof typeof ports>).find((name) => ports[name] === Number(port));
  assert.ok(listener, `no vigil listener listens on ${port} by default`);
  job.static_configs[0].targets = [`127.0.0.1:${vigil.port(listener)}`];

  const compose = yamlDocuments('docker-compose.yml')[0] as { services: { prometheus: { volumes: string[] } } };
  config.rule_files = config.rule_files.map((pattern) => {
    const mount = compose.services.prometheus.volumes.map((volume) => volume.split(':')).find(([, inside]) => pattern.startsWith(`${inside}/`));
    assert.ok(mount, `${pattern} is not in a folder compose mounts`);
    return join(ROOT, mount[0], pattern.slice(mount[1].length));
  });
  return { config, job };
}

interface ActiveAlert { labels: Record<string, string>; annotations: Record<string, string>; state: string }

test('Prometheus scrapes vigil through the shipped config; the shipped rules evaluate on live series; every dashboard metric is there', { skip }, async (t) => {
  const binary = requireProgram('prometheus', INSTALL);
  // Elasticsearch stops once vigil has started: a sink down.
  // Splunk HEC takes everything but the first batch, which it refuses for good (a dead letter).
  const es = await ElasticsearchDouble.start();
  t.after(() => es.close());
  const hec = await SplunkHecDouble.start({ token: HEC_TOKEN });
  t.after(() => hec.close());
  hec.failNext(1, 400);
  // One event per batch, so a few hundred events make a backlog of that many jobs.
  const vigil = await spawnVigil(
    { VIGIL_ES_URL: es.url, VIGIL_SPLUNK_HEC_URL: hec.url, VIGIL_SPLUNK_HEC_TOKEN: HEC_TOKEN },
    'batch:\n  max_events: 1\n',
  );
  t.after(() => vigil.stop());
  await es.down();

  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { config, job } = shippedPrometheusConfig(vigil);
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const prometheus = startProgram(binary, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  t.after(() => prometheus.stop());
  await waitForPort(port, prometheus);
  const api = async <T>(path: string): Promise<T> => {
    const reply = (await (await fetch(`http://127.0.0.1:${port}/api/v1/${path}`)).json()) as { status: string; data: T; error?: string };
    assert.equal(reply.status, 'success', `${path}: ${reply.error}`);
    return reply.data;
  };
  const query = (expr: string) => api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(expr)}`);
  const activeAlerts = async () => (await api<{ alerts: ActiveAlert[] }>('alerts')).alerts;

  // Prometheus has the zeros before anything happens, as in a long-running deployment.
  await waitFor(async () => (await query(`up{job="${job.job_name}"}`)).result[0]?.value[1] === '1', 60_000, 'Prometheus scraping vigil');

  // Traffic: one of each input (parsed and unparsed formats, webhooks), an over-long syslog line
  // (truncated), then a backlog of batches for the stopped Elasticsearch that keeps growing
  // from one scrape to the next.
  await sendOneOfEach(vigil);
  await sendTcp(vigil.port('tcp'), `<134>1 2026-12-07T10:00:00Z host app - - - ${'x'.repeat(70_000)}\n`);
  // One request at a time: each becomes a batch of its own, so a job in each queue.
  const backlog = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const reply = await post(vigil.port('http'), '/ingest/json', JSON.stringify({ message: `backlog ${i}` }), 'application/json');
      assert.equal(reply.status, 200);
    }
  };
  await backlog(700);
  await waitFor(async () => Number((await query('max(vigil_queue_depth_jobs)')).result[0]?.value[1] ?? 0) >= 600, 60_000, 'Prometheus scraping a backlog of 600 jobs');
  await backlog(500);

  const expected = ['VigilBacklogRising', 'VigilDeadLetterQueueGrowing', 'VigilSinkFailing'];
  let active: string[] = [];
  await waitFor(async () => {
    active = (await activeAlerts()).map((alert) => `${alert.labels.alertname}${JSON.stringify(alert.labels)}`);
    return expected.every((name) => active.some((alert) => alert.startsWith(`${name}{`)));
  }, 90_000, 'the sink, backlog and dead-letter alerts active').catch(async (error: Error) => {
    const series = await query('{__name__=~"vigil_queue_depth_jobs|vigil_events_failed_total|vigil_events_retried_total|vigil_events_forwarded_total"}');
    throw new Error(`${error.message}; active: ${active.join(', ')}; series: ${JSON.stringify(series.result)}`);
  });

  const alerts = await activeAlerts();
  const sinkFailing = alerts.filter((alert) => alert.labels.alertname === 'VigilSinkFailing');
  assert.deepEqual(sinkFailing.map((alert) => alert.labels.sink), ['elasticsearch'], 'only the stopped sink');
  assert.match(sinkFailing[0].annotations.summary, /sink elasticsearch delivers nothing/);
  const backlogRising = alerts.filter((alert) => alert.labels.alertname === 'VigilBacklogRising');
  assert.deepEqual(backlogRising.map((alert) => alert.labels.queue), ['sink-elasticsearch']);
  const deadLetters = alerts.filter((alert) => alert.labels.alertname === 'VigilDeadLetterQueueGrowing');
  assert.deepEqual(deadLetters.map((alert) => alert.labels.sink), ['splunk-hec']);
  assert.ok(!alerts.some((alert) => alert.labels.alertname === 'VigilDown'), 'vigil is up');
  assert.equal((await query(`up{job="${job.job_name}"}`)).result[0]?.value[1], '1', 'the shipped job scrapes vigil');

  // Every shipped rule evaluated without error on the live series.
  const groups = (await api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>('rules')).groups;
  const rules = groups.flatMap((group) => group.rules);
  const [shipped] = yamlDocuments('config/prometheus/rules/vigil.rules.yml') as Array<{ groups: Array<{ rules: Array<{ alert: string }> }> }>;
  assert.deepEqual(rules.map((rule) => rule.name).sort(), shipped.groups.flatMap((group) => group.rules.map((rule) => rule.alert)).sort());
  for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);

  // Every dashboard query: its metrics are in the live scrape with the labels it groups by or
  // filters on, and Prometheus runs it (Grafana's $__rate_interval as 1m, every other variable as
  // its "All" value .*, as the dashboards open). A label_values(metric, label) variable: that
  // metric's series carry that label.
  const missing: string[] = [];
  let selectedInstance = 0;
  for (const file of listFiles('config/grafana/dashboards', '.json')) {
    for (const expr of dashboardQueries(JSON.parse(readText(file)))) {
      const variable = /^label_values\((\w+),\s*(\w+)\)$/.exec(expr);
      const groupedBy = variable ? [variable[2]] : [...expr.matchAll(/\bby\s*\(([^)]*)\)/g), ...expr.matchAll(/\{([^}]*)\}/g)]
        .flatMap((match) => match[1].split(',').map((part) => part.trim().split(/[=!~]/)[0].trim()))
        .filter((label) => label && label !== 'le');
      if (!variable) {
        const runnable = expr.replaceAll('$__rate_interval', '1m').replace(/"\$\w+"/g, '".*"');
        await query(runnable);
        // The instance filter with this vigil's instance selects what All does.
        if (expr.includes('instance=~"$instance"')) {
          const all = (await query(runnable)).result.length;
          const one = (await query(runnable.replaceAll('instance=~".*"', `instance=~"${job.static_configs[0].targets[0]}"`))).result.length;
          assert.equal(one, all, `${expr}: this vigil's instance selects its series`);
          selectedInstance += one;
        }
      }
      for (const name of promqlMetrics(expr)) {
        const series = await api<Array<Record<string, string>>>(`series?match[]=${encodeURIComponent(name)}`);
        if (series.length === 0) missing.push(`${name} (${file})`);
        for (const label of groupedBy) {
          if (series.length && !series.some((s) => label in s)) missing.push(`${name} has no label ${label} (${file}: ${expr})`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], 'dashboard metrics missing from the live scrape');
  assert.ok(selectedInstance > 0, 'the instance filter selected series');

  // vigil stops: VigilDown becomes active for its target (found by vigil_build_info, not by the
  // job's name), once a scrape has failed and the rules have run again.
  await vigil.stop();
  const [target] = job.static_configs[0].targets;
  const vigilDown = async () => (await activeAlerts()).find((alert) => alert.labels.alertname === 'VigilDown' && alert.labels.instance === target);
  await waitFor(async () => Boolean(await vigilDown()), 90_000, 'VigilDown active for the stopped vigil');
  const down = (await vigilDown())!;
  assert.equal(down.labels.job, job.job_name);
  assert.equal(down.annotations.summary, `vigil ${target} is not answering /metrics`);
});

/** Every PromQL expression of a Grafana dashboard (panels, nested rows and variables on Prometheus). */
function dashboardQueries(board: { panels: Array<Record<string, any>>; templating?: { list: Array<{ query?: string; datasource?: { type?: string } }> } }): string[] {
  const panels = (list: Array<Record<string, any>>): Array<Record<string, any>> => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
  const exprs: string[] = [];
  for (const panel of panels(board.panels)) {
    for (const target of panel.targets ?? []) {
      const type = target.datasource?.type ?? panel.datasource?.type;
      if (type === 'prometheus' && typeof target.expr === 'string') exprs.push(target.expr);
    }
  }
  for (const variable of board.templating?.list ?? []) if (variable.datasource?.type === 'prometheus' && variable.query) exprs.push(variable.query);
  return exprs;
}
