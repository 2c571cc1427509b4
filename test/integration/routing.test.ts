import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { waitFor } from '../support/memory-sink.ts';
import { sendOneOfEach } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';

/** The README's example: critical events to one Elasticsearch instance, everything to another. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!).find((yaml) => yaml.includes('min_severity'));
  assert.ok(block, 'the README shows a routing example');
  return block;
}

const CRITICAL_OR_WORSE = new Set(['emergency', 'alert', 'critical']);

test('the README\'s routing example runs as written: two Elasticsearch instances, one filtered to critical, each with its own queue and metrics', async () => {
  const soc = await ElasticsearchDouble.start();
  const archive = await ElasticsearchDouble.start();
  const vigil = await spawnVigil({ SOC_ES_URL: soc.url, ARCHIVE_ES_URL: archive.url }, readmeExample());
  try {
    const expected = await sendOneOfEach(vigil);
    const docs = (es: ElasticsearchDouble) => es.allDocuments().map((doc) => JSON.parse(doc.source) as { log: { level: string }; data_stream: { namespace: string } });
    await waitFor(() => docs(archive).length >= expected, 60_000, `${expected} events in the archive`);
    const metrics = async () => fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
    const counter = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    await waitFor(async () => {
      const text = await metrics();
      return counter(text, 'vigil_events_forwarded_total', 'sink="soc"') + counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="severity"') >= expected;
    }, 30_000, 'every event delivered to soc or counted as filtered for it');
    await new Promise((r) => setTimeout(r, 500));

    const critical = docs(archive).filter((doc) => CRITICAL_OR_WORSE.has(doc.log.level));
    assert.equal(docs(archive).length, expected, 'the archive has everything');
    assert.ok(critical.length > 0 && critical.length < expected, `${critical.length} of ${expected} are critical or worse: the filter has something to do`);
    assert.equal(docs(soc).length, critical.length, 'soc has exactly the critical ones');
    assert.ok(docs(soc).every((doc) => CRITICAL_OR_WORSE.has(doc.log.level)));
    assert.ok(docs(archive).every((doc) => doc.data_stream.namespace === 'archive'), 'each instance its own options');
    assert.ok(docs(soc).every((doc) => doc.data_stream.namespace === 'default'));

    const text = await metrics();
    assert.equal(counter(text, 'vigil_events_forwarded_total', 'sink="archive"'), expected);
    assert.equal(counter(text, 'vigil_events_forwarded_total', 'sink="soc"'), critical.length);
    assert.equal(counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="severity"'), expected - critical.length);
    assert.equal(counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="dataset"'), 0, 'soc\'s other reasons are exposed at zero');
    assert.ok(Number.isNaN(counter(text, 'vigil_events_filtered_total', 'sink="archive",reason="severity"')), 'archive has no filter');
    for (const queue of ['sink-soc', 'sink-archive']) assert.match(text, new RegExp(`vigil_queue_depth_jobs\\{queue="${queue}"\\} 0`));
  } finally {
    assert.equal(await vigil.stop(), 0);
    await Promise.all([soc.close(), archive.close()]);
  }
});
