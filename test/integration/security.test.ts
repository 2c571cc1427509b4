import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { logger } from '../support/senders.ts';
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
