import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { waitFor } from './memory-sink.ts';
import type { SpawnedVigil } from './vigil.ts';

/** The README's example: critical events to one Elasticsearch instance (`soc`), everything to another (`archive`). */
export function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!).find((yaml) => yaml.includes('min_severity'));
  assert.ok(block, 'the README shows a routing example');
  return block;
}

export interface RoutedDocument {
  log: { level: string };
  data_stream: { namespace: string };
}

const CRITICAL_OR_WORSE = new Set(['emergency', 'alert', 'critical']);

/**
 * After `sent` events went into a vigil started with the README's example: the archive holds
 * them all, soc exactly the critical ones and counts the rest as filtered; each instance has its
 * own queue, metrics and data stream namespace. `stored` reads what each instance's backend holds.
 */
export async function checkReadmeRouting(vigil: SpawnedVigil, sent: number, stored: Record<'soc' | 'archive', () => Promise<RoutedDocument[]>>): Promise<void> {
  await waitFor(async () => (await stored.archive()).length >= sent, 60_000, `${sent} events in the archive`);
  const metrics = async () => fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
  const counter = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  await waitFor(async () => {
    const text = await metrics();
    return counter(text, 'vigil_events_forwarded_total', 'sink="soc"') + counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="severity"') >= sent;
  }, 30_000, 'every event delivered to soc or counted as filtered for it');
  await new Promise((r) => setTimeout(r, 500));

  const archive = await stored.archive();
  const soc = await stored.soc();
  const critical = archive.filter((doc) => CRITICAL_OR_WORSE.has(doc.log.level));
  assert.equal(archive.length, sent, 'the archive has everything');
  assert.ok(critical.length > 0 && critical.length < sent, `${critical.length} of ${sent} are critical or worse: the filter has something to do`);
  assert.equal(soc.length, critical.length, 'soc has exactly the critical ones');
  assert.ok(soc.every((doc) => CRITICAL_OR_WORSE.has(doc.log.level)));
  assert.ok(archive.every((doc) => doc.data_stream.namespace === 'archive'), 'each instance its own options');
  assert.ok(soc.every((doc) => doc.data_stream.namespace === 'default'));

  const text = await metrics();
  assert.equal(counter(text, 'vigil_events_forwarded_total', 'sink="archive"'), sent);
  assert.equal(counter(text, 'vigil_events_forwarded_total', 'sink="soc"'), critical.length);
  assert.equal(counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="severity"'), sent - critical.length);
  assert.equal(counter(text, 'vigil_events_filtered_total', 'sink="soc",reason="dataset"'), 0, 'soc\'s other reasons are exposed at zero');
  assert.ok(Number.isNaN(counter(text, 'vigil_events_filtered_total', 'sink="archive",reason="severity"')), 'archive has no filter');
  for (const queue of ['sink-soc', 'sink-archive']) assert.match(text, new RegExp(`vigil_queue_depth_jobs\\{queue="${queue}"\\} 0`));
}
