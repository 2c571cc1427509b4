import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ROOT, spawnVigil } from '../support/vigil.ts';
import { logger } from '../support/senders.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'status-page-admin-token';
const SCREENSHOTS = join(ROOT, '.tmp', 'screenshots');
// Attacker-controlled text in an event: it must show as text, never run or become markup.
const XSS = `xss-marker <script>window.__pwned = 'script'</script> "><img src=x onerror="window.__pwned='img'"> '><svg onload=alert(1)>`;

/** Debian's chromium, never a downloaded one; in CI a missing browser fails instead of skipping. */
function browserMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  return `${CHROMIUM} is missing (apt-get install chromium)`;
}

async function launch(): Promise<{ browser: Browser; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    ],
  });
  return { browser, profile };
}

/** The text of the page's events section and the sinks table's health cells by sink. */
const eventsText = (page: Page) => page.$eval('#events', (e) => e.textContent ?? '');
const sinkHealth = (page: Page) => page.$$eval('#sinks tbody tr', (rows) =>
  Object.fromEntries(rows.map((r) => [r.children[0].textContent, r.children[1].textContent])));

/** Nothing from the events ran or became an element (checked while the XSS event is on the page). */
async function noMarkupFromEvents(page: Page): Promise<void> {
  assert.ok((await eventsText(page)).includes('xss-marker'));
  assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: string }).__pwned), undefined);
  assert.equal(await page.$$eval('#events img, #events svg, #events script', (nodes) => nodes.length), 0);
}

async function until<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('status page in a real browser: logger and test-button events appear in ECS form, escaped; a stopped Elasticsearch shows down', { skip: browserMissing() }, async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const es = await ElasticsearchDouble.start({ major: 8 });
  const out = mkdtempSync(join(tmpdir(), 'vigil-status-out-'));
  const vigil = await spawnVigil(
    { VIGIL_ES_URL: es.url, VIGIL_ADMIN_TOKEN: TOKEN },
    `delivery:\n  initial_backoff_ms: 100\n  max_backoff_ms: 1000\nsinks:\n  file:\n    path: ${join(out, 'events.ndjson')}\n`,
  ).catch(async (error: unknown) => {
    await es.close();
    throw error;
  });
  const { browser, profile } = await launch().catch(async (error: unknown) => {
    await vigil.stop();
    await es.close();
    throw error;
  });
  try {
    const admin = `http://127.0.0.1:${vigil.port('admin')}`;
    // Protected as /metrics is: no token, no page, no data, no test button.
    assert.equal((await fetch(`${admin}/status`)).status, 401);
    assert.equal((await fetch(`${admin}/status.json?token=wrong`)).status, 401);
    assert.equal((await fetch(`${admin}/status/test-events`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${admin}/status.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);

    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${admin}/status?token=${TOKEN}`, { waitUntil: 'load' });
    assert.equal(await page.title(), 'vigil status');

    // A real sender: util-linux logger over TCP, RFC 5424, carrying markup.
    await logger(vigil.port('tcp'), XSS, ['--tcp', '--octet-count', '--rfc5424']);
    const text = await until('the logger event on the page', () => eventsText(page), (t) => t.includes('xss-marker'));
    assert.ok(text.includes(`<script>window.__pwned = 'script'</script>`), 'the script tag shows as text');
    // Its ECS form: the pretty JSON the sinks receive.
    const ecs = await page.$$eval('#events pre', (pres) => pres.map((p) => p.textContent ?? '').find((t) => t.includes('xss-marker')));
    const event = JSON.parse(ecs!) as { message: string; event: { dataset: string }; log: { source: { address: string } } };
    assert.equal(event.message, XSS);
    assert.ok(event.event.dataset, 'the ECS event has event.dataset');
    assert.match(event.log.source.address, /^127\.0\.0\.1:\d+$/);
    await noMarkupFromEvents(page);

    // The button injects one sample of each kind through the TCP listener.
    const answer = page.waitForResponse((r) => r.url().endsWith('/status/test-events'));
    await page.click('#send-test');
    const { sent } = await (await answer).json() as { sent: Array<{ type: string; id: string }> };
    const result = await until('the send result', () => page.$eval('#send-result', (e) => e.textContent ?? ''), (t) => t.startsWith('sent') || t.startsWith('failed'));
    assert.match(result, /^sent violation, threat, incident, audit, falco over tcp$/);
    // Each sample's id is in its event.original: these very events came through.
    for (const { type, id } of sent) await until(`the ${type} sample ${id}`, () => eventsText(page), (t) => t.includes(id));
    for (const dataset of ['neuvector.violation', 'neuvector.threat', 'neuvector.incident', 'neuvector.audit', 'falco.alerts']) {
      await until(`a ${dataset} event`, () => page.$$eval('#events h3', (hs) => hs.map((h) => h.textContent)), (names) => names.includes(dataset));
    }
    await until('both sinks up after delivering', () => sinkHealth(page), (h) => h.elasticsearch === 'up' && h.file === 'up');
    // Unfold the logger event's ECS form for the screenshot (the polls keep it open).
    await page.$$eval('#events details', (all) => all.forEach((d) => { if (d.textContent?.includes('xss-marker')) d.setAttribute('open', ''); }));
    await page.screenshot({ path: join(SCREENSHOTS, 'status-events.png'), fullPage: true });

    // The server-rendered page (before any poll) escapes the same events.
    await page.reload({ waitUntil: 'domcontentloaded' });
    assert.ok((await eventsText(page)).includes(`"><img src=x onerror=`));
    await noMarkupFromEvents(page);

    // Filters: dataset narrows the events shown.
    await page.type('#filters input[name=dataset]', 'falco.alerts');
    await page.click('#filters button[type=submit]');
    await until('only falco events', () => page.$$eval('#events h3', (hs) => hs.map((h) => h.textContent)), (names) => names.length === 1 && names[0] === 'falco.alerts');

    // Elasticsearch goes away: its deliveries fail and the page shows it down; the file sink stays up.
    await es.close();
    await logger(vigil.port('tcp'), 'after elasticsearch stopped', ['--tcp', '--octet-count', '--rfc5424']);
    const health = await until('elasticsearch down', () => sinkHealth(page), (h) => h.elasticsearch === 'down');
    assert.equal(health.file, 'up');
    assert.equal(await page.$eval('#sinks td.h-down', (td) => td.textContent), 'down');
    await page.screenshot({ path: join(SCREENSHOTS, 'status-sink-down.png'), fullPage: true });

    assert.deepEqual(problems, []);
    // The token in the query string never reaches vigil's logs.
    assert.ok(!vigil.logs.some((line) => JSON.stringify(line).includes(TOKEN)), 'the admin token is not logged');
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await vigil.stop();
    await es.close().catch(() => undefined);
    rmSync(out, { recursive: true, force: true });
  }
});
