import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRedis } from '../support/redis.ts';
import { spawnVigil } from '../support/vigil.ts';
import { post } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';

const CONFIG = `
batch: { max_events: 1, max_wait_ms: 0 }
backpressure: { high_watermark_jobs: 3, low_watermark_jobs: 1, check_interval_ms: 50 }
`;

test('a backlog above the high watermark turns webhooks away with 503 + Retry-After until it drains', async () => {
  const redis = await startTestRedis();
  // An ingest-only vigil: nothing processes its batches, so the ingest queue grows.
  const ingest = await spawnVigil({ REDIS_URL: redis.url, VIGIL_ROLE: 'ingest' }, CONFIG);
  let processor: Awaited<ReturnType<typeof spawnVigil>> | undefined;
  try {
    const http = ingest.port('http');
    const send = (n: number) => post(http, '/ingest/json', `{"n":${n}}`, 'application/json');
    // Below the high watermark (3 waiting batches) nothing can be refused.
    for (let n = 0; n < 3; n++) assert.equal((await send(n)).status, 200);
    let refused: Response | undefined;
    await waitFor(async () => (refused = await send(99)).status === 503, 10_000, 'a 503 from the ingest vigil');
    assert.ok(Number(refused!.headers.get('retry-after')) > 0, 'Retry-After says when to come back');
    assert.match(await fetch(`http://127.0.0.1:${http}/metrics`).then((r) => r.text()), /vigil_queue_depth_jobs\{queue="ingest"\} [3-9]/);
    assert.ok(ingest.logs.some((l) => l.msg === 'Backpressure on: listeners stop taking input until the backlog drains'));

    // A process-and-deliver vigil on the same Redis drains the backlog: input is taken again.
    processor = await spawnVigil({ REDIS_URL: redis.url, VIGIL_ROLE: 'all', VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_SYSLOG_TCP_PORT: 'off' });
    await waitFor(async () => (await send(100)).status === 200, 20_000, 'webhooks accepted again');
    assert.ok(ingest.logs.some((l) => l.msg === 'Backpressure off: listeners take input again'));
  } finally {
    await processor?.stop();
    await ingest.stop();
    await redis.destroy();
  }
});
