import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataStreamName, datasetPart, NAMESPACE_PATTERN, templatePatterns } from '../../../../src/sinks/elasticsearch/data-stream.ts';
import { SECURITY_DATASETS } from '../../../../src/telemetry/security-events.ts';

test('an event goes to logs-<event.dataset>-<namespace>', () => {
  assert.equal(dataStreamName('falco.alerts', 'default'), 'logs-falco.alerts-default');
  assert.equal(dataStreamName('kubernetes.audit_logs', 'prod'), 'logs-kubernetes.audit_logs-prod');
});

test('a dataset outside the naming scheme is made valid: lowercase, no -, none of the forbidden characters', () => {
  assert.equal(datasetPart('K8s-Audit.log'), 'k8s_audit.log');
  assert.equal(datasetPart('a/b*c?d"e<f>g|h,i#j:k l\\m'), 'a_b_c_d_e_f_g_h_i_j_k_l_m');
  assert.equal(datasetPart(''), 'unknown');
  assert.equal(datasetPart('x'.repeat(300)).length, 100);
});

test('the namespace rule refuses what would break the name', () => {
  for (const ok of ['default', 'prod_eu', 'team.a']) assert.ok(NAMESPACE_PATTERN.test(ok), ok);
  for (const bad of ['', 'Prod', 'a-b', 'a b', 'a*', 'x'.repeat(101)]) assert.ok(!NAMESPACE_PATTERN.test(bad), bad);
});

test('the template covers the data stream of every dataset the parsers produce, and nothing broader', () => {
  const patterns = templatePatterns();
  const covers = (name: string) => patterns.some((p) => new RegExp(`^${p.replaceAll('.', '\\.').replaceAll('*', '.*')}$`).test(name));
  for (const dataset of SECURITY_DATASETS) assert.ok(covers(dataStreamName(dataset, 'default')), dataset);
  assert.ok(!covers('logs-kubernetes.container_logs-default'), 'another integration\'s data stream is left alone');
  assert.ok(!patterns.includes('logs-*-*'));
});
