import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '../../../src/observability/metrics.ts';
import { silentLogger } from '../../../src/observability/logger.ts';
import { createTcpListener, type TlsListenerOptions } from '../../../src/ingest/tcp.ts';
import { createFakeSubmit, waitUntil } from './support.ts';

interface Pki { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; strangerCert: string; strangerKey: string }
let dir: string;
let pki: Pki;

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates, made by the openssl CLI. */
function makePki(): Pki {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const selfSignedCa = (name: string) =>
    openssl('req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
  const issue = (name: string, ca: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  };
  selfSignedCa('test-ca');
  selfSignedCa('stranger-ca');
  issue('server', 'test-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  issue('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    ca: read('test-ca.crt'), serverCert: read('server.crt'), serverKey: read('server.key'),
    clientCert: read('client.crt'), clientKey: read('client.key'),
    strangerCert: read('stranger.crt'), strangerKey: read('stranger.key'),
  };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  pki = makePki();
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function startTls(tlsOptions: Partial<TlsListenerOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const listener = createTcpListener({
    host: '127.0.0.1', port: 0, submit: fake.submit, metrics, logger: silentLogger,
    maxMessageBytes: 8192, maxConnections: 8,
    tls: { cert: pki.serverCert, key: pki.serverKey, ...tlsOptions },
  });
  const { port } = await listener.listen();
  return { fake, listener, port };
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
