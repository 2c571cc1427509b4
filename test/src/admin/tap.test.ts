import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSinkBatch } from '../../../src/pipeline/codec.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { TapHub, TooManyTapsError } from '../../../src/admin/tap-hub.ts';
import { TapPublisher, type TapMessage } from '../../../src/admin/tap-publisher.ts';
import { tapChannel, tapListeningKey } from '../../../src/pipeline/queues.ts';
import type { SinkEvent } from '../../../src/sinks/kit/types.ts';
import { filterSchema } from '../../../src/config/sink-filter.ts';
import { testRedisPerFile } from '../../support/redis.ts';

const testRedis = testRedisPerFile();

const event = (id: string, dataset: string): SinkEvent => {
  const ecs = { event: { id, dataset, module: dataset.split('.')[0] }, log: { level: 'notice', source: { address: '10.0.0.9:514' } } };
  return { id, timestamp: '2026-12-07T00:00:00Z', dataset, module: ecs.event.module, level: 'notice', json: JSON.stringify(ecs) };
};
const batch = (counts: Record<string, number>) => {
  const events = Object.entries(counts).flatMap(([dataset, n]) => Array.from({ length: n }, (_, i) => event(`${dataset}-${i}`, dataset)));
  return { z: encodeSinkBatch(events), n: events.length };
};

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 400) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every message published on the tap channel of `prefix`, from a subscriber of its own. */
async function listen(prefix: string): Promise<{ messages: TapMessage[]; close(): void }> {
  const subscriber = testRedis.redis.client();
  const messages: TapMessage[] = [];
  subscriber.on('message', (_channel, text: string) => messages.push(JSON.parse(text) as TapMessage));
  await subscriber.subscribe(tapChannel(prefix));
  return { messages, close: () => subscriber.disconnect() };
}

test('tap publisher: silent while nobody listens; then a budget per dataset and per second, the rest counted as skipped', async () => {
  let clock = 5_000_000;
  const publisher = new TapPublisher(testRedis.client, { prefix: 'p1', node: 'n:1', sinks: [
    { name: 'file' },
    // Takes b.y only: a tapped event names the sinks its filters give it, not every sink of the node.
    { name: 'soc', filter: filterSchema.parse({ datasets: { include: ['b.*'] } }) },
  ], logger: silentLogger, checkIntervalMs: 50, now: () => clock });
  const channel = await listen('p1');
  publisher.start();
  try {
    const quiet = batch({ 'a.x': 5 });
    publisher.offer(quiet.z, quiet.n);
    await testRedis.client.set(tapListeningKey('p1'), '1', 'PX', 60_000);
    await until('the publisher sees the flag', () => publisher.listening);
    assert.equal(channel.messages.length, 0, 'nothing published, nothing counted while nobody listened');

    // One batch: 25 of a.x (its share of the second), all 10 of b.y, 75 skipped.
    const first = batch({ 'a.x': 100, 'b.y': 10 });
    publisher.offer(first.z, first.n);
    await until('the first message', () => channel.messages.length === 1);
    const [one] = channel.messages;
    assert.equal(one.events.filter((e) => e.dataset === 'a.x').length, 25);
    assert.equal(one.events.filter((e) => e.dataset === 'b.y').length, 10);
    assert.equal(one.skipped, 75);
    assert.deepEqual([one.node, one.events[0].source], ['n:1', '10.0.0.9:514']);
    assert.deepEqual(one.events.find((e) => e.dataset === 'a.x')!.sinks, ['file']);
    assert.deepEqual(one.events.find((e) => e.dataset === 'b.y')!.sinks, ['file', 'soc']);
    assert.equal(JSON.parse(one.events[0].json).event.id, 'a.x-0', 'the ECS JSON as processed');

    // The same second: a.x has had its share, b.y has 15 left of its 25.
    const second = batch({ 'a.x': 10, 'b.y': 20 });
    publisher.offer(second.z, second.n);
    await until('the second message', () => channel.messages.length === 2);
    assert.equal(channel.messages[1].events.length, 15);
    assert.equal(channel.messages[1].skipped, 15);

    // A new second: the budgets start again.
    clock += 1000;
    const third = batch({ 'a.x': 30 });
    publisher.offer(third.z, third.n);
    await until('the third message', () => channel.messages.length === 3);
    assert.deepEqual([channel.messages[2].events.length, channel.messages[2].skipped], [25, 5]);

    // Over the total budget (100/s): whole batches are skipped undecoded, and reported by the next check without another batch.
    for (const dataset of ['c.z', 'd.w', 'e.v']) {
      const b = batch({ [dataset]: 25 });
      publisher.offer(b.z, b.n);
      await until(`${dataset} published`, () => channel.messages.at(-1)!.events[0]?.dataset === dataset);
    }
    const over = batch({ 'f.u': 40 });
    publisher.offer(over.z, over.n);
    await until('the skipped report', () => channel.messages.at(-1)!.skipped === 40);
    assert.deepEqual(channel.messages.at(-1)!.events, []);
    const shown = channel.messages.reduce((n, m) => n + m.events.length, 0);
    const skipped = channel.messages.reduce((n, m) => n + m.skipped, 0);
    assert.equal(shown + skipped, first.n + second.n + third.n + 75 + over.n, 'every event offered while listening is shown or skipped');
  } finally {
    publisher.stop();
    channel.close();
  }
});

test('tap hub: one subscription for every client, the flag kept alive while any is connected, a bound on clients', async () => {
  const hub = new TapHub(testRedis.client, { prefix: 'p2', logger: silentLogger, maxClients: 2, refreshMs: 50, flagTtlMs: 200 });
  const a: TapMessage[] = [];
  const b: TapMessage[] = [];
  const leaveA = await hub.subscribe((m) => a.push(m));
  const leaveB = await hub.subscribe((m) => b.push(m));
  try {
    assert.ok(await testRedis.client.pttl(tapListeningKey('p2')) > 0, 'the flag is set with an expiry');
    await assert.rejects(hub.subscribe(() => undefined), TooManyTapsError);
    const message: TapMessage = { node: 'n:2', skipped: 3, events: [] };
    await testRedis.client.publish(tapChannel('p2'), JSON.stringify(message));
    await until('both clients get it', () => a.length === 1 && b.length === 1);
    assert.deepEqual(a[0], message);
    // Kept alive past its expiry by the refresh.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await testRedis.client.exists(tapListeningKey('p2')), 1);
    leaveA();
    leaveB();
    assert.equal(hub.clients, 0);
    // Nobody left: no refresh, so the flag expires and every publisher goes quiet.
    for (let i = 0; await testRedis.client.exists(tapListeningKey('p2')); i++) {
      if (i > 400) throw new Error('the flag never expired');
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    hub.close();
  }
});
