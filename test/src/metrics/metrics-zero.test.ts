import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { FILTER_REASONS } from '../../../src/pipeline/sink-filter.ts';
import { parsePrometheus } from '../../support/prometheus.ts';

// Prometheus' increase() and rate() see nothing of a counter series whose first sample is already
// 1: the first dead letter, truncation or parse failure would never alert. Every labelled series
// whose label values are known up front is exposed at zero (test/deploy/prometheus-scrape.test.ts
// shows the alert firing on a live scrape).

test('a sink, listener and format expose every counter at zero before anything happens', async () => {
  const metrics = new Metrics();
  metrics.initSink('elasticsearch');
  metrics.initListener('syslog-tcp');
  metrics.initFormat('neuvector');
  metrics.initFiltered('soc', FILTER_REASONS);
  const samples = parsePrometheus(await metrics.registry.metrics());
  const series = (name: string) => samples.filter((s) => s.name === name);
  assert.deepEqual(series('vigil_events_failed_total').map((s) => s.labels.reason).sort(),
    ['bad_request', 'conflict', 'mapping_error', 'rejected', 'retries_exhausted', 'too_large']);
  assert.deepEqual(series('vigil_events_retried_total').map((s) => s.labels.reason).sort(),
    ['network', 'rate_limited', 'server_error', 'timeout', 'unauthorized', 'unavailable']);
  assert.deepEqual(series('vigil_events_filtered_total').map((s) => s.labels.reason).sort(), ['cluster', 'dataset', 'namespace', 'severity']);
  for (const name of ['vigil_events_forwarded_total', 'vigil_sink_halted', 'vigil_events_truncated_total', 'vigil_events_parsed_total', 'vigil_events_parse_failed_total']) {
    assert.equal(series(name).length, 1, name);
  }
  // vigil_build_info is the one constant 1 (its labels are the information).
  assert.ok(samples.filter((s) => s.name.startsWith('vigil_') && s.name !== 'vigil_build_info').every((s) => s.value === 0));
  assert.deepEqual(series('vigil_build_info').map((s) => s.value), [1]);
});
