import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnVigil } from '../support/vigil.ts';
import { sendOneOfEach } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { SplunkHecDouble } from '../support/doubles/splunk-hec.ts';
import { LokiDouble } from '../support/doubles/loki.ts';

const TOKEN = 'hec-token-e2e';

/** Every event id a backend holds, from the documents it stored. */
const idsOf = (docs: Array<{ event?: { id?: string } }>) => docs.map((d) => d.event?.id ?? '');

test('real senders in; Elasticsearch, Splunk HEC and Loki each receive every event exactly once through 429s, 503s and a dropped connection', async () => {
  const es = await ElasticsearchDouble.start({ major: 8 });
  const hec = await SplunkHecDouble.start({ token: TOKEN });
  const loki = await LokiDouble.start({ authEnabled: true });
  // Faults the backends really produce: throttling with Retry-After, busy, a connection cut after
  // Elasticsearch stored the batch (the redelivery must be a 409, not a duplicate).
  es.failNext(2, 429, { retryAfter: 1 });
  es.dropNext(1, 'after');
  hec.failNext(2, 503);
  loki.failNext(1, 429);
  loki.dropNext(1, 'before');
  const vigil = await spawnVigil(
    {
      VIGIL_ES_URL: es.url,
      VIGIL_SPLUNK_HEC_URL: hec.url,
      VIGIL_SPLUNK_HEC_TOKEN: TOKEN,
      VIGIL_LOKI_URL: loki.url,
    },
    'delivery:\n  initial_backoff_ms: 50\n  max_backoff_ms: 300\nsinks:\n  loki:\n    tenant: security\n',
  );
  try {
    const expected = await sendOneOfEach(vigil);
    const http = vigil.port('http');

    const esIds = () => idsOf(es.allDocuments().map((d) => JSON.parse(d.source)));
    // A HEC event object carries the ECS event in its `event` field.
    const hecIds = () => idsOf(hec.events.map((e) => e.event.event as { event?: { id?: string } }));
    const lokiIds = () => idsOf(loki.entries.map((e) => JSON.parse(e.line)));
    await waitFor(() => esIds().length >= expected && hecIds().length >= expected && lokiIds().length >= expected, 60_000,
      `${expected} events in every backend`);
    await new Promise((r) => setTimeout(r, 500));

    for (const [name, ids] of [['elasticsearch', esIds()], ['splunk-hec', hecIds()], ['loki', lokiIds()]] as const) {
      assert.equal(ids.length, expected, `${name} holds ${ids.length} events`);
      assert.equal(new Set(ids).size, expected, `${name} holds no duplicate`);
    }
    assert.deepEqual(new Set(hecIds()), new Set(esIds()), 'the same events everywhere');
    assert.deepEqual(new Set(lokiIds()), new Set(esIds()), 'the same events everywhere');
    // The faults really happened, and were retried rather than lost.
    assert.ok(es.requests.filter((r) => r.status === 429).length >= 2);
    assert.ok(hec.requests.filter((r) => r.status === 503).length >= 2);
    const falco = es.allDocuments().find((d) => d.source.includes('"falco.alerts"'));
    assert.ok(falco?.source.includes('1741944413589793238'), 'Falco nanoseconds keep every digit in Elasticsearch');
    assert.ok(es.template('vigil-events'), 'the index template was installed');
    const metrics = await fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
    assert.match(metrics, new RegExp(`vigil_events_forwarded_total\\{sink="loki"\\} ${expected}`));
    // The 429s met the index template install first: those batches waited and were retried.
    assert.match(metrics, /vigil_events_retried_total\{sink="elasticsearch",reason="\w+"\} [1-9]/);
    assert.match(metrics, /vigil_events_retried_total\{sink="loki",reason="rate_limited"\} [1-9]/);
  } finally {
    assert.equal(await vigil.stop(), 0);
    await Promise.all([es.close(), hec.close(), loki.close()]);
  }
});
