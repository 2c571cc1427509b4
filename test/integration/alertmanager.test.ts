import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from '../support/memory-sink.ts';
import { parsePrometheus, scrape, total } from '../support/prometheus.ts';
import { readNdjson, requireProgram, skipUnlessInstalled, startProgram, waitForPort } from '../support/real-program.ts';
import { spawnVigil } from '../support/vigil.ts';

// The real Alertmanager (Debian's prometheus-alertmanager) as the sender: alerts go into its API v2,
// it groups them and notifies vigil's /ingest/alertmanager through a webhook receiver configured as
// docs/sources/alertmanager.md says (bearer token from a file, send_resolved), and re-notifies
// every repeat_interval. vigil must keep one event per alert and status.

const INSTALL = 'apt-get install prometheus-alertmanager';
const skip = skipUnlessInstalled('prometheus-alertmanager', INSTALL);
const TOKEN = 'alertmanager-token-0123456789abcdef';

/** The receiver of docs/sources/alertmanager.md, pointed at this vigil, with intervals short enough to re-notify within seconds. */
function alertmanagerConfig(vigilPort: number, tokenFile: string): string {
  return `route:
  receiver: default
  group_by: [group]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
  routes:
    - receiver: vigil
      matchers: ['severity=~"warning|critical"']
      continue: true
receivers:
  - name: default
  - name: vigil
    webhook_configs:
      - url: http://127.0.0.1:${vigilPort}/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${tokenFile}
`;
}

/**
 * A vigil whose Alertmanager route takes `auth: bearer`, and a real Alertmanager notifying it with
 * `tokenText` from a credentials file, as README's receiver does; both stopped after the test.
 */
async function vigilAndAlertmanager(t: TestContext, tokenText: string) {
  const binary = requireProgram('prometheus-alertmanager', INSTALL);
  const vigil = await spawnVigil({ VIGIL_WEBHOOK_TOKEN: TOKEN }, 'webhooks:\n  routes:\n    alertmanager:\n      auth: bearer\n');
  t.after(() => vigil.stop());
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'vigil-token');
  writeFileSync(tokenFile, `${tokenText}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(vigil.port('http'), tokenFile));
  const port = await freePort();
  const alertmanager = startProgram(binary, [
    `--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug',
  ]);
  t.after(() => alertmanager.stop());
  await waitForPort(port, alertmanager);
  const base = `http://127.0.0.1:${port}`;
  const api = `${base}/api/v2`;
  await waitFor(async () => (await fetch(`${api}/status`).catch(() => undefined))?.ok === true, 20_000, 'Alertmanager API up');
  return { vigil, base, api, alertmanager };
}

interface PostableAlert { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt?: string; generatorURL: string }

test('Alertmanager → vigil: one event per alert and status across re-notifications, grouped notifications split', { skip }, async (t) => {
  const { vigil, base, api } = await vigilAndAlertmanager(t, TOKEN);

  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const alert = (group: string, instance: string, severity: string): PostableAlert => ({
    labels: { alertname: `Vigil${group}Test`, group, instance, severity, namespace: 'vigil' },
    annotations: { summary: `${group} on ${instance}` },
    startsAt,
    generatorURL: `http://prometheus.example/graph?g0.expr=up&instance=${instance}`,
  });
  // Three alerts in one group (one notification of three), one alone, and one no route sends to vigil.
  const grouped = ['a', 'b', 'c'].map((instance) => alert('Grouped', instance, 'critical'));
  const single = alert('Single', 'd', 'warning');
  const unrouted = alert('Info', 'e', 'info');
  const post = async (alerts: PostableAlert[]) => {
    const reply = await fetch(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    assert.equal(reply.status, 200, await reply.text());
  };
  await post([...grouped, single, unrouted]);

  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const amMetrics = async () => parsePrometheus(await (await fetch(`${base}/metrics`)).text());
  const webhookSent = async () => total(await amMetrics(), 'alertmanager_notifications_total', { integration: 'webhook' });
  // Firing: each group notified, then re-notified at least twice (repeat_interval) with the same alerts.
  await waitFor(() => readNdjson(out).length >= 4, 30_000, 'the four firing alerts in vigil');
  await waitFor(async () => (await webhookSent()) >= 6, 30_000, 'Alertmanager re-notifying both groups');

  // Resolved: Alertmanager sends each group once more with status resolved, and then stops.
  const endsAt = new Date().toISOString();
  await post([...grouped, single].map((a) => ({ ...a, endsAt })));
  await waitFor(() => readNdjson(out).length >= 8, 30_000, 'the four resolved alerts in vigil');
  // Let Alertmanager run through more group and repeat intervals: anything it sends now is a copy.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await waitFor(async () => total(await scrape(vigil.port('admin')), 'vigil_events_redelivered_total') > 0, 10_000, 'vigil dropping copies');

  const events = readNdjson(out);
  const summary = events.map((e) => `${e.alertmanager.labels.instance}:${e.alertmanager.status}`).sort();
  assert.deepEqual(summary, ['a:firing', 'a:resolved', 'b:firing', 'b:resolved', 'c:firing', 'c:resolved', 'd:firing', 'd:resolved'],
    `one event per alert and status (Alertmanager sent ${await webhookSent()} notifications)`);
  assert.equal(new Set(events.map((e) => e.event.id)).size, 8);

  const am = await amMetrics();
  assert.equal(total(am, 'alertmanager_notifications_failed_total', { integration: 'webhook' }), 0, 'every notification accepted (the bearer token from credentials_file)');
  const sent = await webhookSent();
  assert.ok(sent >= 8, `Alertmanager re-notified (${sent} webhook notifications for 4 group states)`);
  const vigilMetrics = await scrape(vigil.port('admin'));
  // Every notification vigil answered beyond the first per group and status was dropped as a copy.
  assert.ok(total(vigilMetrics, 'vigil_events_redelivered_total') >= 4, 'the re-notified alerts were dropped as copies');

  // The grouped notification was split: three events sharing its groupKey, each with its own alert.
  const groupedEvents = events.filter((e) => e.alertmanager.labels.group === 'Grouped');
  assert.equal(groupedEvents.length, 6);
  assert.equal(new Set(groupedEvents.map((e) => e.alertmanager.groupKey)).size, 1);
  assert.notEqual(groupedEvents[0].alertmanager.groupKey, events.find((e) => e.alertmanager.labels.group === 'Single')!.alertmanager.groupKey);
  for (const event of events) {
    const firing = event.alertmanager.status === 'firing';
    assert.equal(event.event.dataset, 'alertmanager.alert');
    assert.equal(event.event.kind, firing ? 'alert' : 'event');
    assert.equal(event.rule.name, event.alertmanager.labels.alertname);
    assert.equal(event.message, `${event.alertmanager.labels.group} on ${event.alertmanager.labels.instance}`);
    assert.equal(event.alertmanager.receiver, 'vigil');
    assert.equal(Date.parse(event.event.start), Date.parse(startsAt));
    if (!firing) assert.equal(Date.parse(event.event.end), Date.parse(endsAt));
    assert.equal(event.orchestrator.namespace, 'vigil');
  }
  assert.ok(!events.some((e) => e.alertmanager.labels.instance === 'e'), 'the route matchers kept the info alert away');
});

test('vigil refuses Alertmanager without the bearer token, and Alertmanager counts the failure', { skip }, async (t) => {
  const { vigil, base, api, alertmanager } = await vigilAndAlertmanager(t, 'not-the-token');
  const reply = await fetch(`${api}/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels: { alertname: 'VigilWrongToken', group: 'x', severity: 'critical' }, startsAt: new Date().toISOString() }]),
  });
  assert.equal(reply.status, 200);
  const failed = async () => total(parsePrometheus(await (await fetch(`${base}/metrics`)).text()), 'alertmanager_notifications_failed_total', { integration: 'webhook' });
  await waitFor(async () => (await failed()) >= 1, 30_000, 'Alertmanager seeing the 401');
  const metrics = await scrape(vigil.port('admin'));
  assert.equal(total(metrics, 'vigil_events_received_total'), 0, 'nothing accepted');
  assert.match(alertmanager.output(), /401/);
});
