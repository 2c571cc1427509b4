import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createTcpListener, type TcpListenerOptions, type TlsListenerOptions } from '../../../src/ingest/tcp.ts';
import { createFakeSubmit, HANDSHAKE_FAILURE, metricValue, negotiate, rsaServerCertificate, waitUntil } from './support.ts';
import { makePki, type Pki } from '../../support/pki.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { readTlsFiles, watchTlsFiles } from '../../../src/ingest/tls-context.ts';
import { createLogger, type Logger } from '../../../src/telemetry/logger.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

let pki: Pki;

before(() => {
  pki = makePki();
});
after(() => pki.remove());

async function startTls(tlsOptions: Partial<TlsListenerOptions> = {}, overrides: Partial<TcpListenerOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const listener = createTcpListener({
    host: '127.0.0.1', port: 0, submit: fake.submit, metrics, logger: silentLogger,
    maxMessageBytes: 8192, maxConnections: 8,
    tls: { cert: pki.serverCert, key: pki.serverKey, ...tlsOptions },
    ...overrides,
  });
  const { port } = await listener.listen();
  return { fake, listener, port, metrics };
}

async function connectTls(port: number, client: { cert?: string; key?: string } = {}): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, ...client });
  await once(socket, 'secureConnect');
  return socket;
}

test('syslog over TLS: octet-counted (RFC 5425) and LF-framed (NeuVector) frames', async () => {
  const { fake, listener, port } = await startTls();
  try {
    const socket = await connectTls(port);
    const octet = '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \'su root\' failed\nsecond line';
    socket.write(`${Buffer.byteLength(octet)} ${octet}`);
    socket.write('<134>1 2025-06-03T14:07:07Z nv-pod /usr/local/bin/controller 12 neuvector - notification=event\n.  detail\n');
    socket.end();
    const events = await fake.waitForEvents(2);
    assert.deepEqual(events.map((e) => e.text), [octet, '<134>1 2025-06-03T14:07:07Z nv-pod /usr/local/bin/controller 12 neuvector - notification=event\n.  detail']);
    for (const event of events) {
      assert.equal(event.input, 'tls');
      assert.equal(event.listener, 'syslog-tls');
      assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
    }
  } finally {
    await listener.close();
  }
});

test('TLS below 1.2 is refused by the server', async () => {
  const { fake, listener, port } = await startTls();
  try {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal comes from the server (its alert).
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.on('error', resolve));
    assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    assert.equal(fake.events.length, 0);
  } finally {
    await listener.close();
  }
});

test('mTLS required: a client certificate from the trusted CA is served', async () => {
  const { fake, listener, port } = await startTls({ ca: pki.ca, requestCert: true, rejectUnauthorized: true });
  try {
    const socket = await connectTls(port, { cert: pki.clientCert, key: pki.clientKey });
    socket.end('<13>1 - - app - - - with a certificate\n');
    const [event] = await fake.waitForEvents(1);
    assert.equal(event.text, '<13>1 - - app - - - with a certificate');
  } finally {
    await listener.close();
  }
});

for (const [name, client] of [
  ['no certificate', () => ({})],
  ['a certificate from another CA', () => ({ cert: pki.strangerCert, key: pki.strangerKey })],
] as const) {
  test(`mTLS required: a client with ${name} is rejected and nothing it sends is submitted`, async () => {
    const { fake, listener, port } = await startTls({ ca: pki.ca, requestCert: true, rejectUnauthorized: true });
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, ...client() });
      socket.on('error', () => undefined);
      socket.on('secureConnect', () => socket.write('<13>1 - - app - - - should not pass\n'));
      // The server ends the connection; a listener that accepted it would keep it open.
      let closed = false;
      socket.on('close', () => (closed = true));
      await waitUntil(() => closed, 'the server to close the connection');
      assert.equal(listener.connectionCount, 0);
      // A trusted client afterwards is served, and only its message arrives.
      const trusted = await connectTls(port, { cert: pki.clientCert, key: pki.clientKey });
      trusted.end('<13>1 - - app - - - trusted\n');
      await fake.waitForEvents(1);
      assert.deepEqual(fake.events.map((e) => e.text), ['<13>1 - - app - - - trusted']);
    } finally {
      await listener.close();
    }
  });
}

test('optional mTLS (rejectUnauthorized false) serves clients without a certificate', async () => {
  const { fake, listener, port } = await startTls({ ca: pki.ca, requestCert: true, rejectUnauthorized: false });
  try {
    const socket = await connectTls(port);
    socket.end('<13>1 - - app - - - anonymous\n');
    const [event] = await fake.waitForEvents(1);
    assert.equal(event.text, '<13>1 - - app - - - anonymous');
  } finally {
    await listener.close();
  }
});

/** A logger whose JSON lines are kept, to check what was (and was not) logged. */
function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

test('allow_cidrs on TLS: a refused source is closed before its handshake, counted, and no handshake error is logged', async () => {
  const log = capturingLogger();
  const { fake, listener, port, metrics } = await startTls({}, { allow: createAllowlist(['127.0.0.2']), logger: log.logger });
  try {
    const refused = tls.connect({ host: '127.0.0.1', port, ca: pki.ca });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => refused.on('error', resolve));
    assert.equal(error.code, 'ECONNRESET');
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tls', reason: 'denied' }), 1);
    const allowed = tls.connect({ host: '127.0.0.1', ca: pki.ca, socket: net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }) });
    await once(allowed, 'secureConnect');
    allowed.end('<13>1 - - app - - - allowed\n');
    await fake.waitForEvents(1);
    await listener.close();
    assert.match(log.text(), /not in the listener allowlist/);
    assert.doesNotMatch(log.text(), /TLS handshake failed/);
  } finally {
    await listener.close();
  }
});

/** The CN of the certificate a new connection is served. */
async function servedName(port: number): Promise<string> {
  const socket = await connectTls(port);
  const name = socket.getPeerCertificate().subject.CN;
  socket.destroy();
  return String(name);
}

test('certificate reload: changed files are served to new connections; a bad pair keeps the previous certificate', async () => {
  const certFile = join(pki.dir, 'live.crt');
  const keyFile = join(pki.dir, 'live.key');
  writeFileSync(certFile, pki.serverCert);
  writeFileSync(keyFile, pki.serverKey);
  const log = capturingLogger();
  const metrics = new Metrics();
  const fake = createFakeSubmit();
  const pem = readTlsFiles({ cert: certFile, key: keyFile });
  const listener = createTcpListener({
    host: '127.0.0.1', port: 0, submit: fake.submit, metrics, logger: log.logger, maxMessageBytes: 8192, maxConnections: 8,
    tls: { cert: pem.cert, key: pem.key },
  });
  const { port } = await listener.listen();
  const reloader = watchTlsFiles({
    listener: 'syslog-tls', files: { cert: certFile, key: keyFile }, apply: (next) => listener.setSecureContext(next),
    metrics, logger: log.logger, pollIntervalMs: 20,
  });
  const reloads = (result: string) => metricValue(metrics, 'vigil_tls_reloads_total', { listener: 'syslog-tls', result });
  try {
    assert.equal(await servedName(port), 'server');
    const open = await connectTls(port); // an open connection keeps working across the reload

    const renewed = pki.issueServer('server-renewed');
    writeFileSync(keyFile, renewed.key);
    writeFileSync(certFile, renewed.cert);
    await waitUntil(async () => (await reloads('ok')) >= 1 && (await servedName(port)) === 'server-renewed', 'the renewed certificate');
    assert.ok(await metricValue(metrics, 'vigil_tls_certificate_expiry_timestamp_seconds', { listener: 'syslog-tls' }) > Date.now() / 1000);

    // A certificate whose key is not the one on disk: refused, the renewed one stays.
    const other = pki.issueServer('server-other');
    const failedBefore = await reloads('failed');
    writeFileSync(certFile, other.cert);
    await waitUntil(async () => (await reloads('failed')) > failedBefore, 'the failed reload counted');
    assert.equal(await servedName(port), 'server-renewed');
    // Garbage is refused the same way; reload() (SIGHUP) says so.
    writeFileSync(certFile, 'not a certificate');
    assert.equal(reloader.reload(), false);
    assert.equal(await servedName(port), 'server-renewed');

    open.end('<13>1 - - app - - - over the first connection\n');
    await fake.waitForEvents(1);
    assert.match(log.text(), /Certificate reload failed: still serving the previous certificate/);
    assert.match(log.text(), /Certificate reloaded/);
    assert.equal(log.text().includes(renewed.key.split('\n')[1]), false, 'no key material in the logs');
  } finally {
    reloader.stop();
    await listener.close();
  }
});

test('connections per peer on TLS: a closed connection frees its slot', async () => {
  const { fake, listener, port, metrics } = await startTls({}, { maxConnectionsPerPeer: 1 });
  try {
    const first = await connectTls(port);
    await waitUntil(() => listener.connectionCount === 1, 'one connection');
    // Refused as it arrives, before its handshake: the client sees a reset, not a served connection.
    const second = tls.connect({ host: '127.0.0.1', port, ca: pki.ca });
    await closedWithError(second);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tls', reason: 'peer_connection_limit' }), 1);
    first.end('<13>1 - - app - - - first\n');
    await once(first, 'close');
    await waitUntil(() => listener.connectionCount === 0, 'the first connection closed');
    for (const n of [2, 3]) {
      const next = await connectTls(port);
      next.end(`<13>1 - - app - - - again ${n}\n`);
      await once(next, 'close');
    }
    await fake.waitForEvents(3);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tls', reason: 'peer_connection_limit' }), 1);
  } finally {
    await listener.close();
  }
});

/** Resolves when the server has closed the socket, whatever error came first (a refused client sees a reset); gives up after a bound. */
async function closedWithError(socket: net.Socket): Promise<void> {
  let closed = socket.destroyed;
  socket.on('error', () => undefined);
  socket.once('close', () => (closed = true));
  await waitUntil(() => closed, 'the server to close the connection');
}

test('connections that never finish the TLS handshake: counted per peer as they arrive, closed after the handshake timeout', async () => {
  const log = capturingLogger();
  const { fake, listener, port, metrics } = await startTls({ handshakeTimeoutMs: 300 }, { maxConnections: 16, maxConnectionsPerPeer: 4, logger: log.logger });
  const silent: net.Socket[] = [];
  try {
    // 12 silent connections and 2 that start a handshake (a TLS record header) and stall, all from 127.0.0.1.
    for (let i = 0; i < 14; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      if (i >= 12) socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
      silent.push(socket);
    }
    await Promise.all(silent.map((socket) => once(socket, 'connect')));
    // Only 4 hold a slot: the rest were refused as they arrived, long before any timeout.
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tls', reason: 'peer_connection_limit' })) === 10, 'ten refused as they arrived');

    // A legitimate sender from another address is served meanwhile.
    const legit = tls.connect({ host: '127.0.0.1', ca: pki.ca, socket: net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }) });
    await once(legit, 'secureConnect');
    legit.end('<13>1 - - app - - - legitimate\n');
    await fake.waitForEvents(1);

    // Every silent connection is closed by the server: the 4 held ones at the handshake timeout.
    await Promise.all(silent.map(closedWithError));
    assert.match(log.text(), /"msg":"TLS handshake failed"/);
    // Their slots are free again: the same address is served.
    const again = await connectTls(port);
    again.end('<13>1 - - app - - - same address after the timeout\n');
    await fake.waitForEvents(2);
    assert.deepEqual(fake.events.map((e) => e.text), ['<13>1 - - app - - - legitimate', '<13>1 - - app - - - same address after the timeout']);
  } finally {
    for (const socket of silent) socket.destroy();
    await listener.close();
  }
});

test('a served TLS connection idle for longer than the idle timeout is closed', async () => {
  const { fake, listener, port } = await startTls({}, { idleTimeoutMs: 300 });
  try {
    const socket = await connectTls(port);
    socket.write('<13>1 - - app - - - then silence\n');
    await fake.waitForEvents(1);
    await closedWithError(socket);
    await waitUntil(() => listener.connectionCount === 0, 'the idle connection closed');
  } finally {
    await listener.close();
  }
});

test('optional client certificates: one that fails verification is refused; a verified one is recorded on every event', async () => {
  const { fake, listener, port, metrics } = await startTls({ ca: pki.ca, requestCert: true, rejectUnauthorized: false });
  try {
    const stranger = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey });
    stranger.on('secureConnect', () => stranger.write('<13>1 - - app - - - unverified\n'));
    await closedWithError(stranger);
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'syslog-tls', reason: 'bad_client_certificate' }), 1);

    const verified = await connectTls(port, { cert: pki.clientCert, key: pki.clientKey });
    verified.end('<13>1 - - app - - - verified one\n<13>1 - - app - - - verified two\n');
    const anonymous = await connectTls(port);
    anonymous.end('<13>1 - - app - - - anonymous\n');
    await fake.waitForEvents(3);
    const byText = new Map(fake.events.map((e) => [e.text.replace(/^.* - - - /, ''), e]));
    assert.deepEqual([...byText.keys()].sort(), ['anonymous', 'verified one', 'verified two']);
    for (const text of ['verified one', 'verified two']) {
      assert.deepEqual(byText.get(text)!.client, { subject: 'CN=client', commonName: 'client' });
    }
    assert.equal(byText.get('anonymous')!.client, undefined);
  } finally {
    await listener.close();
  }
});

test('TLS 1.2 suites are Mozilla intermediate: no static-RSA key exchange, no CBC with SHA-1; TLS 1.3 as before', async () => {
  const rsa = await startTls(rsaServerCertificate(pki.dir));
  const ec = await startTls();
  try {
    const tls12 = { maxVersion: 'TLSv1.2' } as const;
    assert.equal(await negotiate(rsa.port, { ...tls12, ciphers: 'AES128-SHA:AES256-SHA' }), HANDSHAKE_FAILURE);
    assert.equal(await negotiate(rsa.port, { ...tls12, ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA' }), HANDSHAKE_FAILURE);
    assert.equal(await negotiate(ec.port, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA' }), HANDSHAKE_FAILURE);
    assert.equal(await negotiate(rsa.port, { ...tls12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(await negotiate(ec.port, { ...tls12, ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }), 'ECDHE-ECDSA-CHACHA20-POLY1305');
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      assert.equal(await negotiate(ec.port, { minVersion: 'TLSv1.3', ciphers: suite }), suite);
    }
  } finally {
    await rsa.listener.close();
    await ec.listener.close();
  }
});

test('the handshake timeout ends with the handshake: a served connection quiet for longer stays open', async () => {
  const { fake, listener, port } = await startTls({ handshakeTimeoutMs: 100 });
  try {
    const socket = await connectTls(port);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(socket.destroyed, false);
    socket.end('<13>1 - - app - - - after a quiet while\n');
    await fake.waitForEvents(1);
  } finally {
    await listener.close();
  }
});
