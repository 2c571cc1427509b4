import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createUdpListener, type UdpListenerOptions } from '../../../src/ingest/udp.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { createRateLimiter } from '../../../src/ingest/access/rate-limit.ts';
import { createFakeSubmit, metricValue, runLogger, waitUntil, type FakeSubmit } from './support.ts';

async function startUdp(overrides: Partial<UdpListenerOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const listener = createUdpListener({
    host: '127.0.0.1', port: 0, submit: fake.submit, metrics, logger: silentLogger, maxMessageBytes: 2048, ...overrides,
  });
  const address = await listener.listen();
  return { fake, metrics, listener, port: address.port };
}

async function sendDatagrams(port: number, datagrams: Buffer[], host = '127.0.0.1', type: 'udp4' | 'udp6' = 'udp4') {
  const socket = dgram.createSocket(type);
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, host, (error) => (error ? reject(error) : resolve())));
  }
  socket.close();
}

function assertStamped(fake: FakeSubmit) {
  for (const event of fake.events) {
    assert.equal(event.format, 'syslog');
    assert.equal(event.input, 'udp');
    assert.equal(event.listener, 'syslog-udp');
    assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof event.receivedAt, 'number');
  }
}

test('logger --udp in RFC 5424 and RFC 3164 arrives as the exact messages', async () => {
  const { fake, listener, port } = await startUdp();
  try {
    await runLogger(['--udp', '-n', '127.0.0.1', '-P', String(port), '--rfc5424=notime,notq,nohost', '-t', 'app', '-p', 'local0.warning', '--msgid', 'ID7', 'hello udp é']);
    await runLogger(['--udp', '-n', '127.0.0.1', '-P', String(port), '--rfc3164', '-t', 'app', 'hello bsd']);
    const events = await fake.waitForEvents(2);
    const texts = events.map((e) => e.text).sort();
    assert.equal(texts[0], '<132>1 - - app - ID7 - hello udp é');
    assert.match(texts[1], /^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ app: hello bsd$/);
    assertStamped(fake);
    assert.ok(fake.events.every((e) => e.tags === undefined));
  } finally {
    await listener.close();
  }
});

test('one trailing LF, CRLF or NUL is stripped; empty datagrams are counted, not submitted', async () => {
  const { fake, metrics, listener, port } = await startUdp();
  try {
    await sendDatagrams(port, ['<13>a\n', '<13>b\r\n', '<13>c\0', '<13>d\n\n', '\n', '<13>e'].map((s) => Buffer.from(s)));
    await fake.waitForEvents(5);
    assert.deepEqual(fake.events.map((e) => e.text).sort(), ['<13>a', '<13>b', '<13>c', '<13>d\n', '<13>e']);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'invalid_frame' }), 1);
    assertStamped(fake);
  } finally {
    await listener.close();
  }
});

test('a datagram over the limit is cut at the limit, tagged and counted; invalid UTF-8 is tagged', async () => {
  const { fake, metrics, listener, port } = await startUdp({ maxMessageBytes: 16 });
  try {
    await sendDatagrams(port, [Buffer.from(`<13>${'x'.repeat(100)}`), Buffer.from([0x3c, 0x31, 0x3e, 0xff])]);
    const events = await fake.waitForEvents(2);
    const long = events.find((e) => e.text.startsWith('<13>'));
    const invalid = events.find((e) => e.text.startsWith('<1>'));
    assert.deepEqual([long?.text, long?.tags], [`<13>${'x'.repeat(12)}`, ['truncated']]);
    assert.deepEqual([invalid?.text, invalid?.tags], ['<1>\ufffd', ['invalid_utf8']]);
    assert.equal(await metricValue(metrics, 'vigil_events_truncated_total', { listener: 'syslog-udp' }), 1);
    assert.equal(await metricValue(metrics, 'vigil_events_received_total', { listener: 'syslog-udp' }), 2);
  } finally {
    await listener.close();
  }
});

test('datagrams are submitted in groups, not one call per event; close submits the rest', async () => {
  const { fake, listener, port } = await startUdp({ groupMaxEvents: 5, groupMaxWaitMs: 60_000 });
  const datagrams = Array.from({ length: 12 }, (_, i) => Buffer.from(`<13>m${i}`));
  await sendDatagrams(port, datagrams);
  await fake.waitForCalls(2);
  assert.deepEqual(fake.calls.map((c) => c.length), [5, 5]);
  // The last two datagrams were sent before the tenth; let the socket read them before closing.
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  await listener.close();
  assert.deepEqual(fake.calls.map((c) => c.length), [5, 5, 2]);
  assert.deepEqual(fake.events.map((e) => e.text).sort(), datagrams.map(String).sort());
});

test('a rejected submit counts the group as dropped (queue_unavailable)', async () => {
  const { fake, metrics, listener, port } = await startUdp({ groupMaxEvents: 3, groupMaxWaitMs: 60_000 });
  fake.failNext(1);
  await sendDatagrams(port, ['<13>a', '<13>b', '<13>c', '<13>d'].map((s) => Buffer.from(s)));
  await fake.waitForCalls(1);
  await listener.close();
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'queue_unavailable' }), 3);
  assert.equal(fake.events.length, 1);
});

test('an IPv6 bind host gets an IPv6 socket and bracketed peers', async (t) => {
  let started: Awaited<ReturnType<typeof startUdp>>;
  try {
    started = await startUdp({ host: '::1' });
  } catch (error) {
    t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
    return;
  }
  const { fake, listener, port } = started;
  try {
    await sendDatagrams(port, [Buffer.from('<13>v6')], '::1', 'udp6');
    const [event] = await fake.waitForEvents(1);
    assert.equal(event.text, '<13>v6');
    assert.match(event.peer, /^\[::1\]:\d+$/);
  } finally {
    await listener.close();
  }
});

test('while paused, and while too many submits are in flight, datagrams are dropped as backpressure', async () => {
  const { fake, metrics, listener, port } = await startUdp({ groupMaxEvents: 1, maxEventsInFlight: 1 });
  const dropped = () => metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'backpressure' });
  try {
    listener.pause();
    await sendDatagrams(port, [Buffer.from('<13>paused')]);
    await waitUntil(async () => (await dropped()) === 1, 'the paused drop');
    listener.resume();
    const release = fake.holdNext();
    await sendDatagrams(port, [Buffer.from('<13>first')]);
    await fake.waitForCalls(1);
    await sendDatagrams(port, [Buffer.from('<13>over the limit')]);
    await waitUntil(async () => (await dropped()) === 2, 'the in-flight drop');
    release();
    await sendDatagrams(port, [Buffer.from('<13>after')]);
    await fake.waitForEvents(2);
    assert.deepEqual(fake.events.map((e) => e.text), ['<13>first', '<13>after']);
  } finally {
    await listener.close();
  }
});

test('allow_cidrs: datagrams from other sources are dropped and counted as denied', async () => {
  const { fake, metrics, listener, port } = await startUdp({ allow: createAllowlist(['127.0.0.2/32']) });
  try {
    await runLogger(['--udp', '-n', '127.0.0.1', '-P', String(port), '--rfc5424', 'from 127.0.0.1']);
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', resolve));
    await new Promise<void>((resolve, reject) => socket.send('<13>1 - - app - - - from 127.0.0.2', port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    socket.close();
    await fake.waitForEvents(1);
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'denied' })) === 1, 'the denied datagram counted');
    await listener.close();
    assert.deepEqual(fake.events.map((e) => e.text), ['<13>1 - - app - - - from 127.0.0.2']);
    assert.match(fake.events[0].peer, /^127\.0\.0\.2:/);
  } finally {
    await listener.close();
  }
});

test('events per second per peer: the excess is dropped and counted as rate_limited', async () => {
  const rateLimit = createRateLimiter({ perSecond: 0.001, burst: 3, maxPeers: 10 });
  const { fake, metrics, listener, port } = await startUdp({ rateLimit });
  try {
    await sendDatagrams(port, [1, 2, 3, 4, 5].map((n) => Buffer.from(`<13>message ${n}`)));
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'rate_limited' })) === 2, 'two rate-limited');
    await listener.close();
    assert.deepEqual(fake.events.map((e) => e.text), ['<13>message 1', '<13>message 2', '<13>message 3']);
    assert.equal(await metricValue(metrics, 'vigil_rate_limit_peers', { listener: 'syslog-udp' }), 1);
  } finally {
    await listener.close();
  }
});

test('close reads the datagrams already waiting in the socket before it stops receiving', async () => {
  const { fake, listener, port } = await startUdp();
  const count = 100;
  const lines = Array.from({ length: count }, (_, i) => `datagram ${i}`).join('\n');
  // A real sender, run while this process's event loop is blocked: every datagram waits unread in the kernel.
  const sent = spawnSync('logger', ['--udp', '-n', '127.0.0.1', '-P', String(port), '--rfc5424=notime,notq,nohost', '-t', 'app'], { input: lines });
  assert.equal(sent.status, 0, String(sent.stderr));
  await listener.close();
  assert.deepEqual(fake.events.map((e) => e.text.replace(/^.* - - - /, '')), lines.split('\n'));
});

test('a main thread busy for half a second loses no datagram: the socket is read on its own thread', async () => {
  // 1 MiB asked (Linux grants up to twice that): about 900 datagrams of 740 bytes fit, far fewer than are sent.
  const { fake, metrics, listener, port } = await startUdp({ maxMessageBytes: 65_536, receiveBufferBytes: 1 << 20 });
  const count = 5000;
  try {
    // Paced at 10,000/s by a sender in another process, run while this thread is blocked waiting for it.
    const sender = new URL('../../bench/udp-sender.ts', import.meta.url).pathname;
    const sent = spawnSync(process.execPath, [sender, String(port), String(count), '10000'], { encoding: 'utf8' });
    assert.equal(sent.status, 0, sent.stderr);
    await fake.waitForEvents(count);
  } finally {
    await listener.close();
  }
  assert.equal(fake.events.length, count);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'receive_buffer' }), 0);
});
