import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FAST_RECOVERY_CONFIG, spawnVigil } from '../support/vigil.ts';
import { startRestartableRedis } from '../support/redis.ts';
import { waitFor } from '../support/memory-sink.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { TcpStream, WebhookStream, markerCounts, assertStoredExactlyOnce } from '../support/streams.ts';

// SIGTERM: Redis writes and fsyncs its AOF before exiting, so everysec keeps everything. SIGKILL:
// Redis gets no say; what it acknowledged is in the AOF because it writes before it answers, and
// with appendfsync always also on disk (everysec could lose the last second only on power loss).
for (const { signal, appendfsync } of [
  { signal: 'SIGTERM', appendfsync: 'everysec' },
  { signal: 'SIGKILL', appendfsync: 'always' },
] as const) {
  test(`Redis stopped by ${signal} mid-stream and restarted on its AOF (appendfsync ${appendfsync}): no acknowledged event lost, none twice`, async () => {
    const redis = await startRestartableRedis({ appendfsync });
    const es = await ElasticsearchDouble.start({ major: 8 });
    const vigil = await spawnVigil({ REDIS_URL: redis.url, VIGIL_ES_URL: es.url }, FAST_RECOVERY_CONFIG);
    const hooks = new WebhookStream(vigil.port('http'), 'w').start();
    const tcp = new TcpStream(vigil.port('tcp'), 't');
    try {
      await waitFor(() => es.allDocuments().length >= 100, 30_000, 'the stream to reach Elasticsearch');

      await redis.stop(signal);
      const sentBeforeOutage = hooks.sent;
      await sleep(2000);
      const duringOutage = [...hooks.statuses].filter(([m]) => Number(m.split('-')[1]) >= sentBeforeOutage).map(([, s]) => s);
      await redis.start();
      const sentAtRestart = hooks.sent;
      await waitFor(() => hooks.acked().filter((m) => Number(m.split('-')[1]) >= sentAtRestart).length >= 50, 30_000,
        'webhooks acknowledged again after the restart');
      await hooks.stop();
      await tcp.stop();

      const acked = hooks.acked();
      const expected = [...acked, ...tcp.written];
      await assertStoredExactlyOnce(() => markerCounts(es.allDocuments()), expected, { where: 'Elasticsearch', timeoutMs: 60_000 });

      assert.equal(vigil.child.exitCode, null, 'vigil kept running through the outage');
      assert.equal(vigil.stderr(), '', 'nothing on stderr: every error went through the logger');
      assert.deepEqual([...es.writes].filter(([, n]) => n > 1), [], 'no document written twice under one _id');
      assert.ok(tcp.written.length > 0 && tcp.error === undefined, 'the syslog connection stayed up through the outage');
      // While Redis was away vigil said so instead of taking events it could not keep.
      assert.ok(duringOutage.some((s) => s === 503), `webhooks during the outage answered ${[...new Set(duringOutage)].join(', ')}`);
      assert.ok(!duringOutage.some((s) => s >= 200 && s < 300), 'no webhook was acknowledged while Redis was down');
    } finally {
      await Promise.all([hooks.stop(), tcp.stop()]);
      assert.equal(await vigil.stop(), 0);
      await es.close();
      await redis.destroy();
    }
  });
}
