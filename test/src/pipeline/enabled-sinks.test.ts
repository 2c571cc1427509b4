import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { enabledSinks, SINK_TYPES } from '../../../src/config/enabled-sinks.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';

const sinksOf = (sinks: Record<string, unknown>) => enabledSinks(configSchema.parse({ sinks }));
const problemsOf = (sinks: Record<string, unknown>): string[] => {
  try {
    sinksOf(sinks);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('no problem found');
};

test('the types are the registry\'s sinks, splunk_hec spelt with an underscore', () => {
  assert.deepEqual(Object.keys(SINK_TYPES).sort(), ['elasticsearch', 'file', 'loki', 'opensearch', 'splunk_hec']);
});

test('two instances of one type: each its own name, options and filter, created under its own name', () => {
  const sinks = sinksOf({
    soc: { type: 'elasticsearch', url: 'http://soc:9200', namespace: 'soc', filter: { min_severity: 'critical' }, max_attempts: 5 },
    archive: { type: 'elasticsearch', url: 'http://archive:9200' },
  });
  assert.deepEqual(sinks.map((s) => [s.name, s.type]), [['soc', 'elasticsearch'], ['archive', 'elasticsearch']]);
  assert.equal((sinks[0]!.options as { namespace: string }).namespace, 'soc');
  assert.equal(sinks[0]!.filter.min_severity, 'critical');
  assert.equal(sinks[0]!.policy.max_attempts, 5);
  assert.equal(sinks[1]!.filter.min_severity, undefined);
  assert.equal(sinks[1]!.policy.max_attempts, 30);
  const created = sinks.map((s) => s.factory.create(s.options, { name: s.name, logger: silentLogger, dataDir: '' }));
  assert.deepEqual(created.map((sink) => sink.name), ['soc', 'archive'], 'queue, dead-letter queue and metrics follow the instance name');
});

test('today\'s names stay shorthand for their type, splunk-hec included', () => {
  const sinks = sinksOf({ elasticsearch: { url: 'http://es:9200' }, 'splunk-hec': { url: 'http://hec:8088', token: 't' }, hec2: { type: 'splunk_hec', url: 'http://hec2:8088', token: 't' } });
  assert.deepEqual(sinks.map((s) => [s.name, s.type]), [['elasticsearch', 'elasticsearch'], ['splunk-hec', 'splunk-hec'], ['hec2', 'splunk-hec']]);
});

test('an unknown type, a name that is no type without one, and a name no queue can carry are refused, saying why', () => {
  assert.match(problemsOf({ soc: { type: 'elasticserch', url: 'http://es:9200' } }).join('\n'), /sinks\.soc\.type: no such sink type "elasticserch"; did you mean elasticsearch\?/);
  assert.throws(() => sinksOf({ soc: { url: 'http://es:9200' } }), (error: ConfigError) => error.code === 'VIGIL_ERR_SINK_UNKNOWN' && /give the section a type/.test(error.message));
  assert.match(problemsOf({ 'SOC team': { type: 'file' } }).join('\n'), /sinks\.SOC team: a sink name is lowercase/);
});

test('an instance\'s own keys and its filter are checked by their schemas, under the instance\'s path', () => {
  const problems = problemsOf({ soc: { type: 'loki', url: 'http://loki:3100', filter: { min_severity: 'high' }, labls: {} } });
  assert.ok(problems.some((p) => p.startsWith('sinks.soc.filter.min_severity')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('sinks.soc.labls: unknown key; did you mean labels?')), problems.join('\n'));
});
