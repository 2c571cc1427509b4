import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { fixture, logger, post } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';
import { makePki, type Pki } from '../support/pki.ts';

let pki: Pki;
before(() => {
  pki = makePki();
});
after(() => pki.remove());

const NV_TOKEN = 'nv-0123456789abcdef';

function readEvents(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function httpsRequest(port: number, method: string, path: string, client: { cert?: string; key?: string } = {}, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path, method, ca: pki.ca, agent: false, headers: { 'content-type': 'application/json' }, ...client,
    }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function syslogOverTls(port: number, message: string): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca });
  await once(socket, 'secureConnect');
  const servedBy = String(socket.getPeerCertificate().subject.CN);
  socket.end(`${Buffer.byteLength(message)} ${message}`);
  await once(socket, 'close');
  return servedBy;
}

test('npm start secured: syslog TLS and HTTPS, per-route auth from files, mTLS for Falco, UDP allowlist, SIGHUP reload', async () => {
  const syslogCert = join(pki.dir, 'syslog.crt');
  const syslogKey = join(pki.dir, 'syslog.key');
  writeFileSync(syslogCert, pki.serverCert);
  writeFileSync(syslogKey, pki.serverKey);
  const tokenFile = join(pki.dir, 'nv-token');
  writeFileSync(tokenFile, `${NV_TOKEN}\n`);
  const vigil = await spawnVigil({
    VIGIL_SYSLOG_TLS_PORT: '0',
    VIGIL_TLS_CERT: syslogCert,
    VIGIL_TLS_KEY: syslogKey,
    VIGIL_HTTP_TLS_CERT: join(pki.dir, 'server.crt'),
    VIGIL_HTTP_TLS_KEY: join(pki.dir, 'server.key'),
    VIGIL_HTTP_TLS_CA: join(pki.dir, 'test-ca.crt'),
    VIGIL_WEBHOOK_NEUVECTOR_TOKEN_FILE: tokenFile,
    VIGIL_WEBHOOK_FALCO_AUTH: 'mtls',
  }, [
    'listen:',
    '  http_tls: { client_auth: optional }',
    '  tls_reload_interval_ms: 0', // SIGHUP only: this test proves the signal path
    '  allow_cidrs: { udp: [127.0.0.2] }',
    'webhooks:',
    '  routes:',
    '    json: { auth: none }',
    '',
  ].join('\n'));
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  try {
    const http = vigil.port('http');
    const tlsPort = vigil.port('tls');
    assert.equal(await syslogOverTls(tlsPort, '<13>1 - - app - - - over tls marker-s1'), 'server');

    const nv = (path: string) => httpsRequest(http, 'POST', path, {}, '{"level":"Warning","name":"marker-n1"}');
    assert.equal((await nv(`/ingest/neuvector/${NV_TOKEN}`)).status, 200);
    assert.equal((await nv('/ingest/neuvector/wrong')).status, 401);
    assert.equal((await nv('/ingest/neuvector')).status, 401);
    const falcoBody = '{"output":"marker-f1","priority":"Warning","rule":"r","time":"2025-01-01T00:00:00Z","output_fields":{}}';
    assert.equal((await httpsRequest(http, 'POST', '/ingest/falco', { cert: pki.clientCert, key: pki.clientKey }, falcoBody)).status, 200);
    assert.equal((await httpsRequest(http, 'POST', '/ingest/falco', {}, falcoBody)).status, 401);
    assert.equal((await httpsRequest(http, 'POST', '/ingest/json', {}, '{"message":"marker-j1"}')).status, 200);

    await logger(vigil.port('udp'), 'from a source not allowed marker-u1', ['--udp', '--rfc5424']);
    await waitFor(async () => /vigil_events_dropped_total\{listener="syslog-udp",reason="denied"\} 1\n/
      .test(await fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text())), 10_000, 'the denied datagram counted');

    // Rotate the syslog certificate, then SIGHUP: new connections get the new one.
    const renewed = pki.issueServer('syslog-renewed');
    writeFileSync(syslogKey, renewed.key);
    writeFileSync(syslogCert, renewed.cert);
    vigil.child.kill('SIGHUP');
    await waitFor(() => vigil.logs.some((l) => l.msg === 'Certificate reloaded'), 10_000, 'the reload');
    assert.equal(await syslogOverTls(tlsPort, '<13>1 - - app - - - after reload marker-s2'), 'syslog-renewed');

    await waitFor(() => readEvents(out).length >= 5, 30_000, '5 events');
    const originals = readEvents(out).map((e) => e.event.original as string);
    for (const marker of ['marker-s1', 'marker-s2', 'marker-n1', 'marker-f1', 'marker-j1']) {
      assert.equal(originals.filter((o) => o.includes(marker)).length, 1, marker);
    }
    assert.equal(originals.some((o) => o.includes('marker-u1')), false, 'the denied datagram is not forwarded');
    // Metrics on the admin listener: plain HTTP whatever the webhooks use; the webhook port no longer serves them.
    const metrics = await fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
    assert.equal((await httpsRequest(http, 'GET', '/metrics')).status, 404);
    assert.match(metrics, /vigil_tls_reloads_total\{listener="syslog-tls",result="ok"\} 1\n/);
    assert.match(metrics, /vigil_tls_certificate_expiry_timestamp_seconds\{listener="http"\} \d+/);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
  const logText = JSON.stringify(vigil.logs);
  assert.equal(logText.includes(NV_TOKEN), false, 'the token never reaches the logs');
  // Refusals are logged by route, with the addresses that failed, never the URL the token was in.
  assert.match(logText, /"route":"\/ingest\/neuvector","failures":\d+/);
});

/** Resolves when the server has closed the socket, whatever error came first; gives up after a bound. */
async function closedByServer(socket: net.Socket, what: string): Promise<void> {
  let closed = socket.destroyed;
  socket.on('error', () => undefined);
  socket.once('close', () => (closed = true));
  await waitFor(() => closed, 15_000, what);
}

function openFrom(port: number, localAddress: string): net.Socket {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  return socket;
}

/** The API server's default audit batch (--audit-webhook-batch-max-size 400), from the fixture's events with their own auditIDs. */
function auditBatch(size: number): string {
  const list = JSON.parse(fixture('k8s-audit/eventlist-mixed-stages.json')) as { items: Array<Record<string, unknown>> };
  const items = Array.from({ length: size }, (_, i) => ({ ...list.items[i % list.items.length], auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
  return JSON.stringify({ ...list, items });
}

test('npm start under connection and multiplication attacks: stalled handshakes, idle and slow connections are closed; huge item counts refused', async () => {
  const syslogCert = join(pki.dir, 'dos-syslog.crt');
  const syslogKey = join(pki.dir, 'dos-syslog.key');
  writeFileSync(syslogCert, pki.serverCert);
  writeFileSync(syslogKey, pki.serverKey);
  const vigil = await spawnVigil({ VIGIL_SYSLOG_TLS_PORT: '0', VIGIL_TLS_CERT: syslogCert, VIGIL_TLS_KEY: syslogKey }, [
    'listen:',
    '  max_connections_per_peer: 20',
    '  tls_handshake_timeout_ms: 500',
    '  tcp_idle_timeout_ms: 1000',
    '  http_request_timeout_ms: 1000',
    'webhooks:',
    '  routes:',
    '    json: { auth: none }',
    '    k8s-audit: { auth: none }',
    '',
  ].join('\n'));
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const attackers: net.Socket[] = [];
  try {
    // 100 silent connections from one address: 20 hold a slot until the handshake timeout, 80 are refused as they arrive.
    const tlsPort = vigil.port('tls');
    for (let i = 0; i < 100; i++) attackers.push(openFrom(tlsPort, '127.0.0.1'));
    const legit = tls.connect({ host: '127.0.0.1', ca: pki.ca, socket: net.connect({ host: '127.0.0.1', port: tlsPort, localAddress: '127.0.0.2' }) });
    await once(legit, 'secureConnect');
    const message = '<13>1 - - app - - - served during the flood marker-d1';
    legit.end(`${Buffer.byteLength(message)} ${message}`);
    await Promise.all(attackers.map((socket) => closedByServer(socket, 'silent TLS connections closed')));

    // Plain TCP: an idle connection and a 60 MB frame that stalls are closed after the idle timeout.
    const tcpIdle = openFrom(vigil.port('tcp'), '127.0.0.1');
    const tcpStalled = openFrom(vigil.port('tcp'), '127.0.0.1');
    tcpStalled.write('60000000 <13>1 - - app - - - stalled frame marker-d2');
    await Promise.all([closedByServer(tcpIdle, 'idle TCP closed'), closedByServer(tcpStalled, 'stalled TCP closed')]);

    // Webhooks: slow bodies are closed at the request timeout.
    const http = vigil.port('http');
    const slow = Array.from({ length: 10 }, () => openFrom(http, '127.0.0.1'));
    for (const socket of slow) socket.write('POST /ingest/json HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{');
    const drip = setInterval(() => slow.forEach((socket) => socket.destroyed || socket.write(' ')), 200);
    try {
      await Promise.all(slow.map((socket) => closedByServer(socket, 'slow bodies closed')));
    } finally {
      clearInterval(drip);
    }

    // Multiplication: 125 KiB of `{}` lines and 1 MiB of 349,000 items are refused before they are stored.
    const ndjson = await post(http, '/ingest/json', '{}\n'.repeat(Math.floor((125 * 1024) / 3)), 'application/x-ndjson');
    assert.equal(ndjson.status, 413);
    const array = await post(http, '/ingest/json', `[${Array.from({ length: 349_000 }, () => '{}').join(',')}]`, 'application/json');
    assert.equal(array.status, 413);
    assert.match(((await array.json()) as { error: string }).error, /^Body holds 349000 events, more than the 10000 allowed per request/);
    // A real batch still goes through, whole.
    assert.equal((await post(http, '/ingest/k8s-audit', auditBatch(400), 'application/json')).status, 200);

    await waitFor(() => readEvents(out).length >= 402, 60_000, '402 events');
    const events = readEvents(out);
    assert.equal(events.filter((e) => e.event.module === 'kubernetes').length, 400);
    assert.equal(events.filter((e) => String(e.event.original).includes('marker-d1')).length, 1);
    const stalled = events.filter((e) => String(e.event.original).includes('marker-d2'));
    assert.equal(stalled.length, 1);
    assert.ok(stalled[0].tags.includes('truncated'));
    assert.equal(events.filter((e) => e.event.module === 'json').length, 0, 'nothing of the refused bodies');
  } finally {
    attackers.forEach((socket) => socket.destroy());
    assert.equal(await vigil.stop(), 0);
  }
  const logText = JSON.stringify(vigil.logs);
  assert.match(logText, /"msg":"TLS handshake failed"/);
  assert.match(logText, /the peer is at its connection limit/);
  assert.match(logText, /Closed a syslog connection idle for longer than the idle timeout/);
  assert.match(logText, /holds more events than listen.http_max_items_per_request/);
});
