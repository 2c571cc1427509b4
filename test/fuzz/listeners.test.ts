import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { FIXTURES, post, sendTcp } from '../support/senders.ts';
import { waitFor } from '../support/memory-sink.ts';
import { selfSignedCert } from '../support/pki.ts';
import { scrape, total, type Sample } from '../support/prometheus.ts';
import { Rng } from './mutate.ts';
import { fuzzHttp, fuzzRawHttp, fuzzStreams, fuzzUdp, sendStream, sleep, tcpConnect, tlsConnect, type HttpRoute } from './channels.ts';

/**
 * Hostile input never crashes, hangs or blocks a listener. At least a million mutated and random
 * frames and bodies go to every listener of one `vigil start` process (UDP, TCP with LF and octet
 * framing, TLS, every webhook route); then the process must be alive, every frame accounted for in
 * /metrics, a valid event on each listener must arrive, and nothing unhandled may have been logged.
 *
 * VIGIL_FUZZ_SEED reproduces a run (the seed is printed); VIGIL_FUZZ_FRAMES changes its size.
 */
const FRAMES = Number(process.env.VIGIL_FUZZ_FRAMES ?? 1_000_000);
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? randomInt(2 ** 31));

const inputs = (folder: string, filter: (name: string) => boolean = () => true): Buffer[] =>
  readdirSync(join(FIXTURES, folder))
    .filter((name) => !name.endsWith('.expected.json') && name !== 'README.md' && filter(name))
    .map((name) => readFileSync(join(FIXTURES, folder, name)));

/** A syslog fixture without its final line end: one message. */
const message = (bytes: Buffer): Buffer => bytes.subarray(0, bytes.length - (bytes.at(-1) === 0x0a ? 1 : 0));

const SYSLOG = [...inputs('syslog'), ...inputs('framing', (n) => !n.startsWith('tcp-octet') && !n.startsWith('rfc6587-octet'))].map(message);
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const ROUTES: HttpRoute[] = [
  { path: '/ingest/neuvector', pool: inputs('neuvector'), contentTypes: ['text/plain', 'application/json', ''] },
  { path: '/ingest/falco', pool: [...inputs('falco'), ...SYSLOG.slice(0, 3)], contentTypes: JSON_TYPES },
  { path: '/ingest/k8s-audit', pool: inputs('k8s-audit'), contentTypes: JSON_TYPES },
  { path: '/ingest/alertmanager', pool: inputs('alertmanager'), contentTypes: JSON_TYPES },
  { path: '/ingest/json', pool: inputs('json'), contentTypes: [...JSON_TYPES, 'application/x-ndjson'] },
  { path: '/ingest/unknown', pool: inputs('json'), contentTypes: JSON_TYPES },
];

const CONFIG = `
listen:
  http_body_limit_bytes: 262144
  max_message_bytes: 16384
batch:
  max_events: 2000
`;

/** User + system CPU time of a process so far (Linux /proc), for the run's diagnostics. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

test(`${FRAMES} hostile frames across every listener: vigil stays up, accounts for each, and still forwards`, { timeout: 900_000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (reproduce: VIGIL_FUZZ_SEED=${SEED})`);
  console.log(`# listener fuzz: seed ${SEED}, ${FRAMES} frames (reproduce: VIGIL_FUZZ_SEED=${SEED})`);
  const pkiDir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-pki-'));
  const { cert, key } = selfSignedCert(pkiDir);
  const vigil = await spawnVigil({ VIGIL_SYSLOG_TLS_PORT: '0', VIGIL_TLS_CERT: cert, VIGIL_TLS_KEY: key }, CONFIG);
  let stderr = '';
  let exitCode: number | null = null;
  vigil.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const [udpPort, tcpPort, tlsPort, httpPort] = (['udp', 'tcp', 'tls', 'http'] as const).map((l) => vigil.port(l));
  try {
    // The budget, by listener; HTTP bodies cost a request each, so there are fewer of them.
    const httpBodies = Math.max(20, Math.round(FRAMES * 0.006));
    const rawHttp = Math.max(10, Math.round(FRAMES * 0.0004));
    const tlsGarbage = Math.max(5, Math.round(FRAMES * 0.0001));
    const tlsFrames = Math.round(FRAMES * 0.09);
    const streamFrames = Math.round(FRAMES * 0.35);
    const udpFrames = FRAMES - httpBodies - rawHttp - tlsGarbage - tlsFrames - 2 * streamFrames;
    const rng = (lane: number) => new Rng(SEED + lane * 0x9e3779b1);
    const started = Date.now();
    const timed = <T>(name: string, work: Promise<T>) => work.then((result) => {
      t.diagnostic(`${name} done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    });
    const [udp, lf, octet, tlsSent, garbage, httpResult, raw] = await Promise.all([
      timed('udp', fuzzUdp(udpPort, udpFrames, rng(1), SYSLOG)),
      timed('tcp lf', fuzzStreams(tcpConnect(tcpPort), rng(2), SYSLOG, { frames: streamFrames, perConnection: 2500, parallel: 2, framing: 'lf' })),
      timed('tcp octet', fuzzStreams(tcpConnect(tcpPort), rng(3), SYSLOG, { frames: streamFrames, perConnection: 2500, parallel: 2, framing: 'octet' })),
      timed('tls', fuzzStreams(tlsConnect(tlsPort), rng(4), SYSLOG, { frames: tlsFrames, perConnection: 2500, parallel: 1, framing: 'mixed' })),
      // Not a TLS handshake at all: random bytes and plain syslog at the TLS port.
      timed('non-tls', fuzzStreams(tcpConnect(tlsPort), rng(5), SYSLOG, { frames: tlsGarbage, perConnection: 1, parallel: 1, framing: 'mixed' })),
      timed('http', fuzzHttp(httpPort, httpBodies, rng(6), ROUTES)),
      timed('raw http', fuzzRawHttp(httpPort, rawHttp, rng(7), ROUTES.map((r) => r.path))),
    ]);
    const sent = udp.sent + lf + octet + tlsSent + garbage + httpResult.sent + raw;
    t.diagnostic(`sent ${sent} frames in ${((Date.now() - started) / 1000).toFixed(1)} s: udp ${udp.sent} (kernel drops ${udp.kernelDrops}), ` +
      `tcp lf ${lf}, tcp octet ${octet}, tls ${tlsSent} + ${garbage} non-TLS, http ${httpResult.sent} + ${raw} malformed; ` +
      `http statuses ${JSON.stringify(Object.fromEntries(httpResult.statuses))}`);
    assert.ok(sent >= FRAMES - 64, `sent ${sent} of ${FRAMES} frames`);
    assert.equal(vigil.child.exitCode, null, `vigil exited during the fuzz:\n${stderr}`);

    // Every webhook answer is a deliberate one: stored (200) or refused with a reason, never a 5xx.
    for (const status of httpResult.statuses.keys()) assert.ok([200, 400, 404, 413, 415].includes(status), `HTTP ${status} answered`);

    // Once the pipeline is idle: every received event is stored or dropped with a reason, and every
    // stored one was normalised and forwarded (less redeliveries, which are counted).
    let metrics: Sample[] = [];
    let previous = '';
    const settled = async () => {
      await sleep(1_500); // queue gauges are refreshed every second
      metrics = await scrape(vigil.port('admin'));
      const received = total(metrics, 'vigil_events_received_total');
      const lost = total(metrics, 'vigil_events_dropped_total', { reason: 'queue_unavailable' });
      const normalised = total(metrics, 'vigil_events_parsed_total') + total(metrics, 'vigil_events_parse_failed_total');
      const forwarded = total(metrics, 'vigil_events_forwarded_total', { sink: 'file' });
      const counts = JSON.stringify([received, normalised, forwarded]);
      const idle = counts === previous && total(metrics, 'vigil_queue_depth_jobs') === 0;
      previous = counts;
      return idle && total(metrics, 'vigil_events_stored_total') === received - lost &&
        normalised - total(metrics, 'vigil_events_redelivered_total') === forwarded && forwarded > 0;
    };
    await waitFor(settled, 420_000, 'the pipeline to settle (stored = received - dropped, forwarded = normalised - redelivered)');
    assert.equal(total(metrics, 'vigil_events_failed_total'), 0, 'no event dead-lettered');
    t.diagnostic(`settled after ${((Date.now() - started) / 1000).toFixed(1)} s: stored ${total(metrics, 'vigil_events_stored_total')}, ` +
      `forwarded ${total(metrics, 'vigil_events_forwarded_total')}, parse failures ${total(metrics, 'vigil_events_parse_failed_total')}; ` +
      `CPU seconds: vigil ${cpuSeconds(vigil.child.pid!).toFixed(1)}, this test ${(process.cpuUsage().user / 1e6).toFixed(1)}`);

    // UDP, datagram by datagram: received, dropped with a reason, or dropped by the kernel (counted there).
    const udpListener = { listener: 'syslog-udp' };
    assert.equal(
      total(metrics, 'vigil_events_received_total', udpListener) + total(metrics, 'vigil_events_dropped_total', udpListener) + udp.kernelDrops,
      udp.sent, 'every datagram accounted for');
    // HTTP: every well-formed request got exactly one counted answer (malformed ones may add a few).
    const webhookRequests = metrics.filter((s) => s.name === 'vigil_http_requests_total' && !/^\/(metrics|healthz|readyz)$/.test(s.labels.route));
    const answered = webhookRequests.reduce((sum, s) => sum + s.value, 0);
    assert.ok(answered >= httpResult.sent && answered <= httpResult.sent + raw, `${answered} webhook answers counted for ${httpResult.sent}+${raw} requests`);
    assert.deepEqual(webhookRequests.filter((s) => s.labels.status.startsWith('5') && s.value > 0), [], 'no 5xx answers');
    const accepted = httpResult.statuses.get(200) ?? 0;
    const httpReceived = total(metrics, 'vigil_events_received_total', { listener: 'http' });
    assert.ok(httpReceived >= accepted && httpReceived <= accepted + raw, `http received ${httpReceived}, 200s ${accepted}`);

    // A valid event still flows on every listener. The file is moved away (as logrotate would) so
    // only what follows is read.
    rmSync(out, { force: true });
    const marker = `fuzz-marker-${SEED}`;
    const line = (listener: string) => `<134>1 2025-06-03T14:07:05Z host fuzz - - - ${marker} ${listener}`;
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.send(line('udp'), udpPort, '127.0.0.1', resolve));
    socket.close();
    await sendTcp(tcpPort, `${line('tcp-lf')}\n`);
    const octetLine = Buffer.from(line('tcp-octet'));
    await sendTcp(tcpPort, Buffer.concat([Buffer.from(`${octetLine.length} `), octetLine]));
    await sendStream(tlsConnect(tlsPort), Buffer.from(`${line('tls')}\n`));
    const fresh = (path: string) => readFileSync(join(FIXTURES, path), 'utf8')
      .replace(/"auditID": *"[^"]+"/g, () => `"auditID": "${randomUUID()}"`)
      .replace(/"fingerprint": *"[^"]+"/g, () => `"fingerprint":"${randomUUID()}"`);
    const webhooks: Array<[string, string, string]> = [
      ['/ingest/neuvector', fresh('neuvector/webhook-kv-violation-01.txt'), 'text/plain'],
      ['/ingest/falco', fresh('falco/terminal-shell-in-container.json'), 'application/json'],
      ['/ingest/k8s-audit', fresh('k8s-audit/eventlist-create-privileged-pod.json'), 'application/json'],
      ['/ingest/alertmanager', fresh('alertmanager/firing-v4.json'), 'application/json'],
      ['/ingest/json', JSON.stringify({ message: `${marker} http` }), 'application/json'],
    ];
    for (const [path, body, type] of webhooks) assert.equal((await post(httpPort, path, body, type)).status, 200, path);

    // Whole lines only: a batch may be half-written while the file is read.
    const events = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l)) : []);
    const modules = ['neuvector', 'falco', 'kubernetes', 'alertmanager', 'json'];
    const arrived = () => {
      const all = events();
      const originals = all.map((e) => String(e.event.original));
      return ['udp', 'tcp-lf', 'tcp-octet', 'tls'].every((l) => originals.some((o) => o.endsWith(`${marker} ${l}`))) &&
        modules.every((m) => all.some((e) => e.event.module === m && e.input.type === 'http'));
    };
    await waitFor(arrived, 60_000, 'a valid event from every listener in the file sink');
    t.diagnostic(`valid events arrived after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    assert.equal(vigil.child.exitCode, null, 'vigil is still running');
    const logs = vigil.logs.map((l) => JSON.stringify(l));
    assert.deepEqual(logs.filter((l) => /uncaught|unhandled/i.test(l) || /"level":60/.test(l)), [], 'no fatal or unhandled error logged');
    assert.doesNotMatch(stderr, /uncaught|unhandled|Error/i, 'nothing on stderr');
    // Datagrams dropped while vigil is saturated are logged at error level, and counted above.
    const errors = vigil.logs.filter((l) => Number(l.level) >= 50 && l.msg !== 'Dropped UDP events: backpressure');
    assert.deepEqual(errors, [], 'no error logged');
  } finally {
    exitCode = await vigil.stop();
    rmSync(pkiDir, { recursive: true, force: true });
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
  assert.equal(exitCode, 0, `vigil exits 0 on SIGTERM after the fuzz:\n${stderr}`);
});
