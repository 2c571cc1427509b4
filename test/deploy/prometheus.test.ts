import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, metricNames, promqlMetrics, yamlDocuments } from './known.ts';
import { requireProgram, skipUnlessInstalled } from '../support/real-program.ts';

const RULES = 'config/prometheus/rules/vigil.rules.yml';
const RULE_TESTS = 'config/prometheus/rules/vigil.rules.test.yml';

interface Rule { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }
const [rulesDoc] = yamlDocuments(RULES) as Array<{ groups: Array<{ rules: Rule[] }> }>;
const rules = rulesDoc.groups.flatMap((group) => group.rules);

// Debian's `prometheus` package ships promtool; .ci/run installs it when it is missing.
const skip = skipUnlessInstalled('promtool', 'apt-get install prometheus');

test('the alert rules cover the failures an operator must hear about', () => {
  assert.deepEqual(rules.map((rule) => rule.alert).sort(), [
    'VigilBacklogRising', 'VigilDeadLetterQueueGrowing', 'VigilDown', 'VigilEventsDropped',
    'VigilParseFailuresRising', 'VigilSinkFailing', 'VigilSinkHalted', 'VigilSourceSilent',
  ]);
  for (const rule of rules) {
    assert.ok(['warning', 'critical'].includes(rule.labels.severity), `${rule.alert}: severity ${rule.labels.severity}`);
    assert.ok(rule.annotations.summary, `${rule.alert}: no summary`);
  }
});

test('every metric the rules use is one vigil exports', async () => {
  const known = await metricNames();
  for (const rule of rules) {
    const names = promqlMetrics(rule.expr);
    assert.ok(names.length > 0, `${rule.alert}: no vigil metric`);
    for (const name of names) assert.ok(known.has(name), `${rule.alert}: ${name} is not a vigil metric`);
  }
});

test('VigilDown names no scrape job: it finds vigil\'s targets by vigil_build_info, whatever the job is called', () => {
  const down = rules.find((rule) => rule.alert === 'VigilDown')!;
  assert.doesNotMatch(down.expr, /\bjob\s*=/, 'no job matcher');
  assert.match(down.expr, /\bup\b/);
  assert.deepEqual(new Set(promqlMetrics(down.expr)), new Set(['vigil_build_info']));
});

test('every alert has a unit test that expects it to fire', () => {
  const [tests] = yamlDocuments(RULE_TESTS) as Array<{ rule_files: string[]; tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }>;
  assert.deepEqual(tests.rule_files, ['vigil.rules.yml']);
  const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test).filter((t) => t.exp_alerts.length > 0).map((t) => t.alertname));
  const quiet = new Set(tests.tests.flatMap((t) => t.alert_rule_test).filter((t) => t.exp_alerts.length === 0).map((t) => t.alertname));
  for (const rule of rules) assert.ok(firing.has(rule.alert), `${rule.alert} is never expected to fire`);
  assert.ok(quiet.size >= rules.length - 1, 'most alerts also have a case where they stay quiet');
});

test('promtool accepts the rules and the Prometheus config', { skip }, () => {
  requireProgram('promtool', 'apt-get install prometheus');
  const rulesOut = execFileSync('promtool', ['check', 'rules', RULES], { cwd: ROOT, encoding: 'utf8' });
  assert.match(rulesOut, new RegExp(`SUCCESS: ${rules.length} rules found`));
  execFileSync('promtool', ['check', 'config', '--syntax-only', 'config/prometheus/prometheus.yml'], { cwd: ROOT, encoding: 'utf8' });
});

test('promtool test rules: each alert fires on its failure and stays quiet beside a healthy peer', { skip }, () => {
  requireProgram('promtool', 'apt-get install prometheus');
  const result = spawnSync('promtool', ['test', 'rules', join(ROOT, RULE_TESTS)], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /SUCCESS/);
});

test('Prometheus scrapes vigil where compose runs it and loads the rules compose mounts', () => {
  const [config] = yamlDocuments('config/prometheus/prometheus.yml') as Array<{ rule_files: string[]; scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }> }>;
  const vigil = config.scrape_configs.find((scrape) => scrape.job_name === 'vigil')!;
  assert.equal(vigil.metrics_path, '/metrics');
  assert.deepEqual(vigil.static_configs[0].targets, ['vigil:9098'], 'the admin listener (health-checks.test.ts scrapes it live)');
  const compose = yamlDocuments('docker-compose.yml')[0] as { services: { prometheus: { volumes: string[] } } };
  assert.ok(compose.services.prometheus.volumes.includes('./config/prometheus/rules:/etc/prometheus/rules:ro'));
  assert.deepEqual(config.rule_files, ['/etc/prometheus/rules/*.rules.yml']);
});

test('the PrometheusRule for the Prometheus Operator carries exactly the shipped rule groups', () => {
  const [rule] = yamlDocuments('config/kubernetes/monitoring/prometheusrule.yaml') as Array<{ kind: string; spec: { groups: unknown[] } }>;
  assert.equal(rule.kind, 'PrometheusRule');
  assert.deepEqual(rule.spec.groups, rulesDoc.groups, 'regenerate config/kubernetes/monitoring/prometheusrule.yaml from vigil.rules.yml');
});
