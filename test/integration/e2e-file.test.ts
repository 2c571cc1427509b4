import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { fixture, logger, post, sendTcp } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';

function readEvents(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

test('npm start on the embedded default: real senders in, every event once in the NDJSON file, SIGTERM exits 0', async () => {
  const vigil = await spawnVigil();
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const redisPid = Number(readFileSync(join(vigil.dataDir, 'redis', 'redis.pid'), 'utf8'));
  try {
    const udp = vigil.port('udp');
    const tcp = vigil.port('tcp');
    const http = vigil.port('http');
    await logger(udp, 'over udp 5424 marker-u1', ['--udp', '--rfc5424']);
    await logger(tcp, 'over tcp 3164 marker-t1', ['--tcp', '--rfc3164']);
    await logger(tcp, 'octet counted marker-o1', ['--tcp', '--octet-count', '--rfc5424']);
    await sendTcp(tcp, fixture('framing/tcp-lf-stream-01.txt')); // 3 NeuVector messages, the first spans 3 lines
    const replies = await Promise.all([
      post(http, '/ingest/neuvector', fixture('neuvector/webhook-kv-violation-01.txt'), 'text/plain; charset=us-ascii'),
      post(http, '/ingest/falco', fixture('falco/terminal-shell-in-container.json'), 'application/json'),
      post(http, '/ingest/k8s-audit', fixture('k8s-audit/eventlist-mixed-stages.json'), 'application/json'),
      post(http, '/ingest/alertmanager', fixture('alertmanager/firing-v4.json'), 'application/json'),
      post(http, '/ingest/json', '{"message":"j1"}\n{"message":"j2"}\n', 'application/x-ndjson'),
    ]);
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal((await post(http, '/ingest/json', '{"message":', 'application/json')).status, 400);

    const expected = 1 + 1 + 1 + 3 + 1 + 1 + 6 + 2 + 2; // udp, tcp, octet, stream of 3, NeuVector, Falco, 6 audit items, 2 alerts, 2 NDJSON lines
    await waitFor(() => readEvents(out).length >= expected, 30_000, `${expected} events in ${out}`);
    await new Promise((r) => setTimeout(r, 300));
    const events = readEvents(out);
    assert.equal(events.length, expected);
    assert.equal(new Set(events.map((e) => e.event.id)).size, expected, 'event ids are unique');
    const datasets = events.map((e) => e.event.dataset).sort();
    assert.deepEqual(datasets.filter((d) => d === 'kubernetes.audit_logs').length, 6);
    assert.ok(datasets.includes('falco.alerts') && datasets.includes('alertmanager.alert'));
    for (const marker of ['marker-u1', 'marker-t1', 'marker-o1']) {
      assert.equal(events.filter((e) => e.event.original.includes(marker)).length, 1, marker);
    }
    const multiline = events.find((e) => e.event.original.includes('ConfigMap.Load'));
    assert.ok(multiline, 'the multi-line NeuVector message arrived');
    assert.equal(multiline.event.original.split('\n').length, 3, 'reassembled into one event');
    assert.equal(events.filter((e) => e.input.type === 'udp').length, 1);
    assert.ok(events.every((e) => e['@timestamp'] && e.event.created && e.log.source.address));
    // Falco's nanosecond integer keeps every digit through Redis and the sink.
    assert.ok(readFileSync(out, 'utf8').includes('1741944413589793238'));
  } finally {
    assert.equal(await vigil.stop(), 0, 'SIGTERM exits 0');
  }
  assert.ok(vigil.logs.some((l) => l.msg === 'Vigil stopped'));
  assert.throws(() => process.kill(redisPid, 0), 'the embedded redis-server stopped with vigil');
});

test('vigil exits at once with install help when redis-server is missing and REDIS_URL is unset', async () => {
  await assert.rejects(spawnVigil({}, 'redis:\n  server_binary: /nonexistent/redis-server\n'), /redis-server was not found on PATH.*REDIS_URL/s);
});
