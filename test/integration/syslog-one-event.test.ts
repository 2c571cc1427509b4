import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { fixture, logger, sendTcp } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';
import { scrape, total } from '../support/prometheus.ts';

// A syslog message is one event. One 60 KB message of `{}` lines, sent octet-counted over TCP by
// util-linux `logger` as a host would, once became 20,480 events (each carrying the whole 60 KB
// message as event.original), past a rate limit that counts messages. Now it is forwarded once,
// unsplit and tagged, and counted; real JSON bodies (NeuVector's, a generic object) parse as before.

function readEvents(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

test('npm start: a syslog message of 20,480 JSON lines over TCP is one event, tagged too_many_items and counted', async () => {
  const vigil = await spawnVigil();
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const lines = 20_480;
  const flood = '{}\n'.repeat(lines).trimEnd();
  let exitCode: number | null;
  try {
    const tcp = vigil.port('tcp');
    // --size: logger's own cap is 1 KiB; vigil's listen.max_message_bytes (64 KiB) takes the whole message.
    await logger(tcp, flood, ['--tcp', '--octet-count', '--rfc5424', '--size', '65536']);
    await logger(tcp, '{"message":"a generic JSON body marker-j1","level":"error"}', ['--tcp', '--octet-count', '--rfc5424']);
    await sendTcp(tcp, fixture('syslog/neuvector-json-threat-01.txt'));

    const fromFlood = () => readEvents(out).filter((e) => String(e.event.original).includes('{}\n{}'));
    await waitFor(() => fromFlood().length > 0 && readEvents(out).length >= 3, 60_000, 'the flood message and the two JSON bodies');
    // Every event of one message is written in one sink batch: what is there now is all it made.
    const events = readEvents(out);
    const [unsplit, ...more] = fromFlood();
    assert.equal(more.length, 0, `one event for the flood message, not ${more.length + 1}`);
    assert.deepEqual(unsplit.tags, ['too_many_items', 'parse_failure']);
    assert.equal(unsplit.error.message, `${lines} JSON lines in one input, which may become at most 1 event: forwarded unsplit`);
    assert.equal(unsplit.message, flood, 'MSG kept whole');
    assert.ok(unsplit.event.original.endsWith(flood), 'the original text is the whole message');
    assert.equal(unsplit.event.module, 'syslog');
    assert.equal(unsplit.input.type, 'tcp');

    const generic = events.find((e) => e.message === 'a generic JSON body marker-j1');
    assert.equal(generic?.event.module, 'json');
    assert.equal(generic?.json.level, 'error');
    assert.equal(generic?.tags, undefined);
    const threat = events.find((e) => e.event.module === 'neuvector');
    assert.equal(threat?.event.dataset, 'neuvector.threat');
    assert.equal(threat?.tags, undefined);
    assert.equal(events.length, 3);

    const metrics = await scrape(vigil.port('admin'));
    assert.equal(total(metrics, 'vigil_events_parse_failed_total', { format: 'syslog' }), 1);
    assert.equal(total(metrics, 'vigil_events_parsed_total', { format: 'syslog' }), 2);
  } finally {
    exitCode = await vigil.stop();
  }
  assert.equal(exitCode, 0, vigil.stderr());
});
