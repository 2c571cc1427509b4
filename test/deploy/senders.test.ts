import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { createHttpApp } from '../../src/ingest/http/app.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createFakeSubmit } from '../src/ingest/support.ts';
import { listFiles, readText } from './known.ts';

// The "Pointing … at vigil" section of each source's page (docs/sources/) is what operators
// paste: its URLs and auth must work on vigil's real webhook app, and its YAML must parse.

const TOKEN = 'docs-token-0123456789';
const pages = listFiles('docs/sources', '.md');
const section = pages.map((file) => pointingSection(file)).join('\n');

function pointingSection(file: string): string {
  const text = readText(file);
  const start = text.search(/^## Pointing .* at vigil$/m);
  assert.ok(start >= 0, `${file} lacks a "## Pointing … at vigil" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** A body each sender really sends, from the golden fixtures. */
const BODIES: Record<string, { file: string; type: string }> = {
  neuvector: { file: 'fixtures/neuvector/webhook-json-audit-01.json', type: 'application/json' },
  falco: { file: 'fixtures/falco/terminal-shell-in-container.json', type: 'application/json' },
  'k8s-audit': { file: 'fixtures/k8s-audit/eventlist-mixed-stages.json', type: 'application/json' },
  alertmanager: { file: 'fixtures/alertmanager/firing-v4.json', type: 'application/json' },
  json: { file: 'fixtures/json/array.json', type: 'application/json' },
};

test('every source has its page with a section pointing it at vigil', () => {
  const names = pages.map((file) => file.replace(/^docs\/sources\//, ''));
  for (const name of ['neuvector.md', 'falco.md', 'kubernetes-audit.md', 'alertmanager.md', 'syslog.md']) assert.ok(names.includes(name), `docs/sources/${name}`);
});

test('every YAML snippet for senders parses', () => {
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
  assert.ok(blocks.length >= 6, `${blocks.length} YAML snippets`);
  for (const block of blocks) {
    for (const doc of parseAllDocuments(block)) assert.deepEqual(doc.errors, [], block);
  }
});

test('every webhook URL in the sender snippets is accepted with the token, where the snippet puts it, and refused without', async () => {
  const urls = [...new Set([...section.matchAll(/https?:\/\/vigil(?:\.example)?:8080(\/ingest\/[^\s"'`]+)/g)].map((match) => match[1]))];
  const kinds = new Set(urls.map((url) => /^\/ingest\/([a-z0-9-]+)/.exec(url)![1]));
  assert.deepEqual(kinds, new Set(Object.keys(BODIES)), `URLs: ${urls.join(', ')}`);

  const fake = createFakeSubmit();
  const app = createHttpApp({ submit: fake.submit, metrics: new Metrics(), ready: () => true, bodyLimit: 1 << 20, logger: silentLogger, webhookToken: TOKEN });
  for (const url of urls) {
    const kind = /^\/ingest\/([a-z0-9-]+)/.exec(url)![1];
    const { file, type } = BODIES[kind];
    const payload = readText(file);
    const inUrl = url.includes('<token>');
    // Senders that cannot send headers carry the token in the URL; the others send a bearer token.
    const headers = { 'content-type': type, ...(inUrl ? {} : { authorization: `Bearer ${TOKEN}` }) };
    const accepted = await app.inject({ method: 'POST', url: url.replace('<token>', TOKEN), payload, headers });
    assert.ok(accepted.statusCode >= 200 && accepted.statusCode < 300, `${url}: ${accepted.statusCode} ${accepted.body}`);
    const refused = await app.inject({ method: 'POST', url: url.replace('<token>', 'wrong-token'), payload, headers: { 'content-type': type } });
    assert.equal(refused.statusCode, 401, `${url} without the token`);
  }
  await app.close();
  assert.ok(fake.events.length >= urls.length);
});
