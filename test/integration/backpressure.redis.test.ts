import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRedis } from '../support/redis.ts';
import { spawnVigil } from '../support/vigil.ts';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fixture, post } from '../support/senders.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
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
    assert.match(await fetch(`http://127.0.0.1:${ingest.port('admin')}/metrics`).then((r) => r.text()), /vigil_queue_depth_jobs\{queue="ingest"\} [3-9]/);
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

const FLOOD_CONFIG = `
backpressure: { high_memory_ratio: 0.5, low_memory_ratio: 0.4, check_interval_ms: 50 }
delivery: { initial_backoff_ms: 50, max_backoff_ms: 500, max_attempts: 100000 }
`;

/** Hex noise: compresses about 2:1, so a few MB of input really occupy Redis memory. */
const noise = (bytes: number) => randomBytes(bytes / 2).toString('hex');

test('a flood while the sink is down: TCP senders block, webhooks get 503 + Retry-After (500 for NeuVector), Redis stays under maxmemory, and every acknowledged event arrives once the sink is back', async () => {
  const MAXMEMORY = 48 * 1024 * 1024;
  const redis = await startTestRedis({ maxmemory: String(MAXMEMORY) });
  const es = await ElasticsearchDouble.start({ major: 8 });
  await es.down();
  const vigil = await spawnVigil({ REDIS_URL: redis.url, VIGIL_ES_URL: es.url, VIGIL_SYSLOG_UDP_PORT: 'off' }, FLOOD_CONFIG);
  const client = redis.client();
  let flooding = true;
  try {
    const http = vigil.port('http');
    const run = randomBytes(4).toString('hex');
    let seq = 0;
    const marker = () => `fl-${run}-${++seq}`;
    const acknowledged: string[] = [];

    // TCP: one sender writes 2 KB syslog lines as fast as the socket drains; `progress` counts
    // writes the kernel took (write() true, or a 'drain').
    const tcp = connect(vigil.port('tcp'), '127.0.0.1');
    await new Promise((resolve) => tcp.once('connect', resolve));
    let progress = 0;
    const tcpSent: string[] = [];
    const tcpDone = new Promise<void>((resolve) => {
      const pump = () => {
        while (flooding) {
          const lines = Array.from({ length: 10 }, () => marker());
          tcpSent.push(...lines);
          const ok = tcp.write(lines.map((m) => `<134>1 ${new Date().toISOString()} flood-host flood - - - ${m} ${noise(2048)}\n`).join(''));
          if (!ok) return void tcp.once('drain', () => (progress++, pump()));
          progress++;
        }
        tcp.end(resolve);
      };
      pump();
    });

    // Webhooks: 4 clients post 20 events of 4 KB each; a 2xx acknowledges them, anything else
    // must say when to come back. A NeuVector client alongside must get 500 (its only retried status).
    const refusals: Array<{ status: number; retryAfter: string | null }> = [];
    const neuvectorStatuses: number[] = [];
    const client4 = async () => {
      while (flooding) {
        const markers = Array.from({ length: 20 }, () => marker());
        const body = markers.map((m) => JSON.stringify({ message: `${m} ${noise(4096)}` })).join('\n');
        const reply = await post(http, '/ingest/json', body, 'application/x-ndjson');
        await reply.arrayBuffer();
        if (reply.status === 200) acknowledged.push(...markers);
        else refusals.push({ status: reply.status, retryAfter: reply.headers.get('retry-after') });
      }
    };
    const neuvector = async () => {
      while (flooding) {
        const m = marker();
        const reply = await post(http, '/ingest/neuvector', `${fixture('neuvector/webhook-kv-violation-01.txt').trim()},note=${m}`, 'text/plain');
        await reply.arrayBuffer();
        neuvectorStatuses.push(reply.status);
        if (reply.status === 200) acknowledged.push(m);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let peak = 0;
    const watchMemory = setInterval(() => {
      void client.info('memory').then((info) => (peak = Math.max(peak, Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0))));
    }, 20);
    const webhooks = Promise.all([client4(), client4(), client4(), client4(), neuvector()]);

    await waitFor(() => refusals.length > 0 && neuvectorStatuses.includes(500), 60_000, 'webhooks refused under backpressure');
    // Held: over two seconds the TCP sender's writes do not move while its buffer stays full.
    await new Promise((r) => setTimeout(r, 500));
    const before = progress;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(progress, before, 'the TCP sender is blocked: nothing it wrote was read for 2 s');
    assert.ok(tcp.writableLength > 0, 'with data waiting in its socket buffer');
    assert.ok(refusals.every((r) => r.status === 503 && Number(r.retryAfter) > 0), 'webhooks get 503 with Retry-After');
    assert.ok(neuvectorStatuses.filter((s) => s !== 200).every((s) => s === 500), 'NeuVector gets 500');

    flooding = false;
    await webhooks;
    await es.up();
    await tcpDone;
    clearInterval(watchMemory);
    acknowledged.push(...tcpSent);

    const stored = () => es.allDocuments().map((doc) => doc.source);
    const counts = () => {
      const map = new Map<string, number>();
      for (const source of stored()) for (const m of new Set(source.match(/fl-[0-9a-f]{8}-\d+/g) ?? [])) map.set(m, (map.get(m) ?? 0) + 1);
      return map;
    };
    await waitFor(() => {
      const have = counts();
      return acknowledged.every((m) => have.has(m));
    }, 120_000, `${acknowledged.length} acknowledged events in Elasticsearch`);
    const have = counts();
    assert.deepEqual([...have].filter(([, n]) => n > 1), [], 'each exactly once');

    const info = await client.info();
    const usedPeak = Number(/^used_memory_peak:(\d+)/m.exec(info)?.[1] ?? 0);
    assert.ok(Math.max(peak, usedPeak) < MAXMEMORY, `Redis peaked at ${Math.max(peak, usedPeak)} bytes, under its maxmemory ${MAXMEMORY}`);
    assert.doesNotMatch(info, /errorstat_OOM/, 'Redis never refused a write for memory');
  } finally {
    flooding = false;
    await vigil.stop();
    await es.close();
    await redis.destroy();
  }
});
