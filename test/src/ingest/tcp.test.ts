import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createTcpListener, type TcpListenerOptions } from '../../../src/ingest/tcp.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { createRateLimiter } from '../../../src/ingest/access/rate-limit.ts';
import { createFakeSubmit, metricValue, runLogger, waitUntil } from './support.ts';

const FIXTURES = new URL('../../../fixtures/framing/', import.meta.url);

async function startTcp(overrides: Partial<TcpListenerOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const listener = createTcpListener({
    host: '127.0.0.1', port: 0, submit: fake.submit, metrics, logger: silentLogger,
    maxMessageBytes: 64 * 1024, maxConnections: 16, ...overrides,
  });
  const { port } = await listener.listen();
  return { fake, metrics, listener, port };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function writeAndEnd(socket: net.Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.end();
  await once(socket, 'close');
}

async function waitForReceived(metrics: Metrics, count: number): Promise<void> {
  await waitUntil(async () => (await metricValue(metrics, 'vigil_events_received_total', { listener: 'syslog-tcp' })) >= count, `${count} received`);
}

const loggerTcp = (port: number, ...args: string[]) => ['--tcp', '-n', '127.0.0.1', '-P', String(port), ...args];

test('logger --tcp (LF framing) and --octet-count deliver the exact RFC 5424 messages', async () => {
  const { fake, listener, port } = await startTcp();
  try {
    await runLogger(loggerTcp(port, '--rfc5424=notime,notq,nohost', '-t', 'app', '-p', 'local0.warning', '--id=42', '--msgid', 'ID7', 'hello tcp'));
    await fake.waitForEvents(1);
    await runLogger(loggerTcp(port, '--octet-count', '--rfc5424=notime,notq,nohost', '-t', 'app', 'hello octet é'));
    const events = await fake.waitForEvents(2);
    assert.deepEqual(events.map((e) => e.text), ['<132>1 - - app 42 ID7 - hello tcp', '<13>1 - - app - - - hello octet é']);
    for (const event of events) {
      assert.equal(event.format, 'syslog');
      assert.equal(event.input, 'tcp');
      assert.equal(event.listener, 'syslog-tcp');
      assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
      assert.equal(event.tags, undefined);
    }
  } finally {
    await listener.close();
  }
});

test('logger --tcp --rfc3164 and several lines from stdin on one connection', async () => {
  const { fake, listener, port } = await startTcp();
  try {
    await runLogger(loggerTcp(port, '--rfc3164', '-t', 'app', 'hello bsd'));
    await fake.waitForEvents(1);
    await runLogger(loggerTcp(port, '--rfc5424=notime,notq,nohost', '-t', 'app'), 'line one\nline two\n');
    const events = await fake.waitForEvents(3);
    assert.match(events[0].text, /^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ app: hello bsd$/);
    assert.deepEqual(events.slice(1).map((e) => e.text), ['<13>1 - - app - - - line one', '<13>1 - - app - - - line two']);
  } finally {
    await listener.close();
  }
});

test('the NeuVector multi-line stream arrives as its three messages, however the reads fall', async () => {
  const { fake, listener, port } = await startTcp();
  try {
    const stream = readFileSync(new URL('tcp-lf-stream-01.txt', FIXTURES));
    const expected = stream.toString('utf8').replace(/\n$/, '').split(/\n(?=<)/);
    const pieces: Buffer[] = [];
    for (let pos = 0; pos < stream.length; pos += 97) pieces.push(stream.subarray(pos, pos + 97));
    await writeAndEnd(await connect(port), pieces);
    const events = await fake.waitForEvents(3);
    assert.deepEqual(events.map((e) => e.text), expected);
    assert.equal(events[0].text.split('\n').length, 3);
  } finally {
    await listener.close();
  }
});

test('a held LF message is released after the idle time while the connection stays open', async () => {
  const { fake, listener, port } = await startTcp({ idleFlushMs: 10 });
  const socket = await connect(port);
  try {
    socket.write('<13>1 - - app - - - first\n<13>1 - - app - - - second\n');
    const events = await fake.waitForEvents(2);
    assert.deepEqual(events.map((e) => e.text), ['<13>1 - - app - - - first', '<13>1 - - app - - - second']);
    assert.equal(socket.destroyed, false);
  } finally {
    socket.destroy();
    await listener.close();
  }
});

test('many messages are submitted in batches, not one call per event', async () => {
  const { fake, listener, port } = await startTcp({ batchMaxEvents: 50, batchMaxWaitMs: 60_000 });
  try {
    const lines = Array.from({ length: 230 }, (_, i) => `<13>1 - - app - - - m${i}\n`).join('');
    await writeAndEnd(await connect(port), [Buffer.from(lines)]);
    const events = await fake.waitForEvents(230);
    assert.equal(events.at(-1)?.text, '<13>1 - - app - - - m229');
    const sizes = fake.calls.map((c) => c.length);
    assert.equal(sizes.reduce((a, b) => a + b), 230);
    assert.ok(sizes.every((n) => n <= 50), `batch sizes ${sizes}`);
    assert.ok(sizes.length <= 7, `${sizes.length} submit calls for 230 events`);
  } finally {
    await listener.close();
  }
});

test('a slow submit does not serialise a busy connection: several batches are in flight at once', async () => {
  const calls: { events: RawEvent[]; resolve: () => void }[] = [];
  const stored: RawEvent[] = [];
  const listener = createTcpListener({
    host: '127.0.0.1', port: 0, metrics: new Metrics(), logger: silentLogger, maxMessageBytes: 1024, maxConnections: 4,
    batchMaxEvents: 10, maxInFlightSubmits: 3,
    submit: (events) => new Promise<void>((resolve) => calls.push({ events, resolve: () => { stored.push(...events); resolve(); } })),
  });
  const { port } = await listener.listen();
  try {
    const lines = Array.from({ length: 50 }, (_, i) => `<13>m${i}\n`).join('');
    await writeAndEnd(await connect(port), [Buffer.from(lines)]);
    await waitUntil(() => calls.length === 3, 'three submits in flight');
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 3, 'no more than maxInFlightSubmits before one settles');
    for (let settled = 0; stored.length < 50; settled++) {
      await waitUntil(() => calls.length > settled, 'the next submit');
      calls[settled].resolve();
    }
    assert.deepEqual(stored.map((e) => e.text), Array.from({ length: 50 }, (_, i) => `<13>m${i}`));
  } finally {
    for (const call of calls) call.resolve();
    await listener.close();
  }
});

test('batches rejected together are retried in the order they were read', async () => {
  const { fake, listener, port } = await startTcp({ batchMaxEvents: 2, maxInFlightSubmits: 2, retryDelayMs: 20 });
  try {
    fake.failNext(2);
    await writeAndEnd(await connect(port), [Buffer.from('<13>a\n<13>b\n<13>c\n<13>d\n<13>e\n')]);
    const events = await fake.waitForEvents(5);
    assert.deepEqual(events.map((e) => e.text), ['<13>a', '<13>b', '<13>c', '<13>d', '<13>e']);
    assert.ok(fake.calls.length > 3);
  } finally {
    await listener.close();
  }
});

test('connections over the limit are closed at once and counted', async () => {
  const { fake, metrics, listener, port } = await startTcp({ maxConnections: 2 });
  const first = await connect(port);
  const second = await connect(port);
  try {
    await waitUntil(() => listener.connectionCount === 2, 'two connections');
    const third = net.connect(port, '127.0.0.1');
    third.on('error', () => undefined);
    await once(third, 'close');
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'connection_limit' }), 1);
    assert.equal(await metricValue(metrics, 'vigil_connections_open', { listener: 'syslog-tcp' }), 2);
    first.write('<13>still served\n');
    first.end();
    const [event] = await fake.waitForEvents(1);
    assert.equal(event.text, '<13>still served');
  } finally {
    first.destroy();
    second.destroy();
    await listener.close();
  }
});

test('a rejected submit pauses the socket, then the same events are retried and delivered in order', async () => {
  const { fake, metrics, listener, port } = await startTcp({ retryDelayMs: 50 });
  const socket = await connect(port);
  try {
    const release = fake.holdNext();
    socket.write('<13>one\n<13>two\n');
    await fake.waitForCalls(1);
    release(new Error('Redis down'));
    await waitUntil(() => listener.pausedConnections === 1, 'the socket to pause');
    socket.write('<13>three\n');
    socket.end();
    const events = await fake.waitForEvents(3);
    assert.deepEqual(events.map((e) => e.text), ['<13>one', '<13>two', '<13>three']);
    assert.deepEqual(fake.calls[1].slice(0, fake.calls[0].length), fake.calls[0], 'the retry carries the very same events');
    assert.equal(fake.calls[1][0], fake.calls[0][0]);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'queue_unavailable' }), 0);
    assert.equal(await metricValue(metrics, 'vigil_events_received_total', { listener: 'syslog-tcp' }), 3);
  } finally {
    socket.destroy();
    await listener.close();
  }
});

test('pause() stops reading every socket and resume() reads again', async () => {
  const { fake, listener, port } = await startTcp();
  const a = await connect(port);
  const b = await connect(port);
  try {
    await waitUntil(() => listener.connectionCount === 2, 'two connections');
    listener.pause();
    assert.equal(listener.pausedConnections, 2);
    a.write('<13>from a\n');
    b.write('<13>from b\n');
    a.end();
    b.end();
    listener.resume();
    assert.equal(listener.pausedConnections, 0);
    const events = await fake.waitForEvents(2);
    assert.deepEqual(events.map((e) => e.text).sort(), ['<13>from a', '<13>from b']);
  } finally {
    await listener.close();
  }
});

test('a reset mid-message does not crash the listener; the partial frame is kept and tagged', async () => {
  const { fake, listener, port } = await startTcp();
  try {
    const socket = await connect(port);
    socket.write('<13>complete\n40 <13>cut sho');
    // '<13>complete' is framed once the next frame starts: then the whole write has been read.
    await waitUntil(() => fake.events.length === 1, 'the first message');
    socket.resetAndDestroy();
    const events = await fake.waitForEvents(2);
    assert.deepEqual(events.map((e) => [e.text, e.tags]), [['<13>complete', undefined], ['<13>cut sho', ['truncated']]]);
    await writeAndEnd(await connect(port), [Buffer.from('<13>after reset\n')]);
    assert.equal((await fake.waitForEvents(3))[2].text, '<13>after reset');
  } finally {
    await listener.close();
  }
});

test('close() submits what open connections hold', async () => {
  const { fake, metrics, listener, port } = await startTcp({ idleFlushMs: 60_000, batchMaxWaitMs: 60_000 });
  const socket = await connect(port);
  socket.on('error', () => undefined);
  socket.write('<13>queued\n<13>held until close');
  // The first message is framed (and queued) once the second starts: then both have been read.
  await waitForReceived(metrics, 1);
  assert.equal(fake.calls.length, 0);
  await listener.close();
  assert.deepEqual(fake.events.map((e) => e.text), ['<13>queued', '<13>held until close']);
});

async function connectFrom(port: number, localAddress: string): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  await once(socket, 'connect');
  return socket;
}

test('allow_cidrs: connections from other sources are closed at once and counted as denied', async () => {
  const { fake, metrics, listener, port } = await startTcp({ allow: createAllowlist(['127.0.0.2']) });
  try {
    // logger connects from 127.0.0.1: refused before anything it sends is read.
    await runLogger(loggerTcp(port, '--octet-count', 'from 127.0.0.1')).catch(() => undefined);
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'denied' })) === 1, 'the denied connection counted');
    const allowed = await connectFrom(port, '127.0.0.2');
    await writeAndEnd(allowed, [Buffer.from('<13>from 127.0.0.2\n')]);
    await fake.waitForEvents(1);
    await listener.close();
    assert.deepEqual(fake.events.map((e) => e.text), ['<13>from 127.0.0.2']);
    assert.equal(await metricValue(metrics, 'vigil_events_received_total', { listener: 'syslog-tcp' }), 1);
  } finally {
    await listener.close();
  }
});

test('connections per peer: one address cannot take more than its share; others still connect', async () => {
  const { fake, metrics, listener, port } = await startTcp({ maxConnections: 16, maxConnectionsPerPeer: 2 });
  const open = [await connect(port), await connect(port)];
  try {
    await waitUntil(() => listener.connectionCount === 2, 'two connections');
    const third = net.connect(port, '127.0.0.1');
    third.on('error', () => undefined);
    await once(third, 'close');
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'peer_connection_limit' }), 1);
    const other = await connectFrom(port, '127.0.0.3');
    open.push(other);
    await writeAndEnd(other, [Buffer.from('<13>another peer\n')]);
    // A closed connection frees its slot for the same peer.
    open[0].destroy();
    await waitUntil(() => listener.connectionCount === 1, 'the first connection gone');
    const again = await connect(port);
    open.push(again);
    await writeAndEnd(again, [Buffer.from('<13>same peer again\n')]);
    await fake.waitForEvents(2);
    assert.deepEqual(fake.events.map((e) => e.text).sort(), ['<13>another peer', '<13>same peer again']);
  } finally {
    for (const socket of open) socket.destroy();
    await listener.close();
  }
});

test('events per second per peer: the excess of a connection is dropped and counted as rate_limited', async () => {
  const rateLimit = createRateLimiter({ perSecond: 0.001, burst: 3, maxPeers: 10 });
  const { fake, metrics, listener, port } = await startTcp({ rateLimit });
  try {
    await runLogger(loggerTcp(port, '--octet-count', '--rfc5424=notime,notq,nohost', '-t', 'app'), 'one\ntwo\nthree\nfour\nfive\n');
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'rate_limited' })) === 2, 'two rate-limited');
    await listener.close();
    assert.deepEqual(fake.events.map((e) => e.text), ['one', 'two', 'three'].map((m) => `<13>1 - - app - - - ${m}`));
    assert.equal(await metricValue(metrics, 'vigil_events_received_total', { listener: 'syslog-tcp' }), 3);
  } finally {
    await listener.close();
  }
});

test('allow_cidrs on a dual-stack bind: an IPv4 rule matches the IPv4-mapped peer, IPv6 peers need an IPv6 rule', async (t) => {
  let started: Awaited<ReturnType<typeof startTcp>>;
  try {
    started = await startTcp({ host: '::', allow: createAllowlist(['127.0.0.0/8']) });
  } catch (error) {
    t.skip(`no dual-stack IPv6 here: ${(error as Error).message}`);
    return;
  }
  const { fake, metrics, listener, port } = started;
  try {
    const v6 = net.connect(port, '::1');
    v6.on('error', () => undefined);
    await once(v6, 'close');
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'denied' }), 1);
    await runLogger(loggerTcp(port, 'mapped ipv4 peer'));
    const [event] = await fake.waitForEvents(1);
    assert.match(event.text, /mapped ipv4 peer$/);
    assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
  } finally {
    await listener.close();
  }
});

test('close reads what a sender had already written before ending its connection', async () => {
  const { fake, listener, port } = await startTcp({ shutdownGraceMs: 600_000 });
  const socket = await connect(port);
  const count = 20_000;
  const lines = Array.from({ length: count }, (_, i) => `<13>1 - host app - - - event ${i} ${'x'.repeat(150)}\n`).join('');
  // Four megabytes handed to the kernel and node's socket buffer; the listener has read none of it yet.
  socket.end(lines);
  await listener.close();
  assert.equal(fake.events.length, count, 'every line read and submitted before the connection was ended');
  assert.equal(fake.events[count - 1]!.text.startsWith(`<13>1 - host app - - - event ${count - 1} `), true);
});

test('close stops waiting for a sender that never pauses once the grace period is over', async () => {
  const { fake, listener, port } = await startTcp({ shutdownGraceMs: 300 });
  const socket = await connect(port);
  socket.on('error', () => {});
  let sent = 0;
  const writer = setInterval(() => {
    if (!socket.destroyed) socket.write(`<13>1 - host app - - - tick ${sent++}\n`);
  }, 5);
  try {
    await fake.waitForEvents(5);
    await listener.close();
    assert.ok(fake.events.length >= 5);
    await waitUntil(() => socket.destroyed, 'the sender sees its connection closed');
  } finally {
    clearInterval(writer);
  }
});

test('close does not wait on a connection held back by backpressure: reading it would not be stored', async () => {
  // A grace period past the test timeout: waiting it out would fail the test.
  const { fake, listener, port } = await startTcp({ shutdownGraceMs: 600_000 });
  const socket = await connect(port);
  socket.on('error', () => {});
  socket.write('<13>1 - host app - - - before\n');
  await fake.waitForEvents(1);
  listener.pause();
  const writer = setInterval(() => socket.destroyed || socket.write('<13>1 - host app - - - held\n'), 5);
  try {
    await listener.close();
    assert.equal(fake.events[0]!.text, '<13>1 - host app - - - before');
  } finally {
    clearInterval(writer);
  }
});

/** Resolves when the server has closed the socket; gives up after a bound. */
async function closedByServer(socket: net.Socket): Promise<void> {
  let closed = socket.destroyed;
  socket.on('error', () => undefined);
  socket.once('close', () => (closed = true));
  await waitUntil(() => closed, 'the server to close the connection');
}

test('idle timeout: a silent connection, and one that announced a 60 MB frame and stalled, are closed; the partial frame is kept', async () => {
  const { fake, listener, port } = await startTcp({ idleTimeoutMs: 300 });
  try {
    const idle = await connect(port);
    const stalled = await connect(port);
    stalled.write('60000000 <13>1 - - app - - - the start of a frame that never ends');
    await Promise.all([closedByServer(idle), closedByServer(stalled)]);
    const [event] = await fake.waitForEvents(1);
    assert.equal(event.text, '<13>1 - - app - - - the start of a frame that never ends');
    assert.deepEqual(event.tags, ['truncated']);
    // A connection that keeps sending is not idle.
    const busy = await connect(port);
    for (let i = 0; i < 6; i++) {
      busy.write(`<13>1 - - app - - - still here ${i}\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(busy.destroyed, false);
    busy.end();
    await fake.waitForEvents(7);
    await waitUntil(() => listener.connectionCount === 0, 'every connection closed');
  } finally {
    await listener.close();
  }
});

test('idle timeout: a connection vigil holds back (backpressure) is not closed for the silence vigil caused', async () => {
  const { fake, listener, port } = await startTcp({ idleTimeoutMs: 200 });
  try {
    listener.pause();
    const socket = await connect(port);
    socket.on('error', () => undefined);
    socket.write('<13>1 - - app - - - written while paused\n');
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(socket.destroyed, false, 'still open after four idle timeouts of backpressure');
    assert.equal(listener.connectionCount, 1);
    listener.resume();
    await fake.waitForEvents(1);
    // Reading again restarts the idle time: silent from now on, it is closed.
    await closedByServer(socket);
  } finally {
    await listener.close();
  }
});

test('connections per peer over IPv6: ::1 is counted by its /64', async (t) => {
  let started: Awaited<ReturnType<typeof startTcp>>;
  try {
    started = await startTcp({ host: '::1', maxConnectionsPerPeer: 2 });
  } catch (error) {
    t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
    return;
  }
  const { fake, metrics, listener, port } = started;
  const open: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const socket = net.connect(port, '::1');
      await once(socket, 'connect');
      open.push(socket);
    }
    await waitUntil(() => listener.connectionCount === 2, 'two connections');
    const third = net.connect(port, '::1');
    await closedByServer(third);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tcp', reason: 'peer_connection_limit' }), 1);
    await writeAndEnd(open[0], [Buffer.from('<13>over ipv6\n')]);
    const [event] = await fake.waitForEvents(1);
    assert.match(event.peer, /^\[::1\]:\d+$/);
  } finally {
    for (const socket of open) socket.destroy();
    await listener.close();
  }
});
