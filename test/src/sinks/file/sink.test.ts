import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { file } from '../../../../src/sinks/file/index.ts';
import type { Sink } from '../../../../src/sinks/kit/types.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';

let dir: string;

function sinkAt(path: string | undefined, dataDir = dir): Sink {
  return file.create(file.schema.parse(path === undefined ? {} : { path }), { logger: silentLogger, dataDir });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-file-sink-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('appends each batch as NDJSON lines, creating missing directories', async () => {
  const path = join(dir, 'deep', 'er', 'events.ndjson');
  const sink = sinkAt(path);
  await sink.start!();
  const first = fixtureEvents();
  const second = generatedEvents(3);
  assert.deepEqual(await sink.send(first), first.map(() => ({ kind: 'ok' })));
  assert.deepEqual(await sink.send(second), second.map(() => ({ kind: 'ok' })));
  const text = await readFile(path, 'utf8');
  assert.equal(text, [...first, ...second].map((event) => `${event.json}\n`).join(''));
  assert.ok(text.includes('"evt.time":1741944413589793238'));
});

test('writes to events.ndjson in the data directory when no path is configured', async () => {
  const dataDir = join(dir, 'data');
  const sink = sinkAt(undefined, dataDir);
  const events = generatedEvents(2, { seed: 2 });
  await sink.send(events);
  assert.equal((await readFile(join(dataDir, 'events.ndjson'), 'utf8')).split('\n').length, 3);
});

test('puts pretty-printed event JSON on a single line', async () => {
  const path = join(dir, 'pretty.ndjson');
  const [event] = generatedEvents(1);
  const pretty = JSON.stringify(JSON.parse(event!.json), null, 2);
  await sinkAt(path).send([{ ...event!, json: pretty }]);
  const lines = (await readFile(path, 'utf8')).split('\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(JSON.parse(lines[0]!), JSON.parse(event!.json));
});

test('syncs the data to disk before it answers ok', async () => {
  const path = join(dir, 'synced.ndjson');
  const probe = await open(path, 'a');
  const prototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const original = prototype.datasync;
  let syncs = 0;
  prototype.datasync = async function (this: unknown) {
    syncs++;
    return original.call(this);
  };
  try {
    await sinkAt(path).send(generatedEvents(2));
    assert.equal(syncs, 1);
  } finally {
    prototype.datasync = original;
  }
});

test('never interleaves lines of batches sent at the same time', async () => {
  const path = join(dir, 'concurrent.ndjson');
  const sink = sinkAt(path);
  const batches = Array.from({ length: 8 }, (_, i) => generatedEvents(5, { seed: i, padding: 150_000 }));
  await Promise.all(batches.map((batch) => sink.send(batch)));
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  assert.equal(lines.length, 40);
  for (const line of lines) JSON.parse(line);
});

test('starts a new file after the old one was rotated away', async () => {
  const path = join(dir, 'rotated.ndjson');
  const sink = sinkAt(path);
  await sink.send(generatedEvents(2, { seed: 1 }));
  await rename(path, `${path}.1`);
  const after = generatedEvents(1, { seed: 9 });
  await sink.send(after);
  assert.equal(await readFile(path, 'utf8'), `${after[0]!.json}\n`);
});

test('retries (unavailable) when the file cannot be written, instead of throwing', async () => {
  const blocker = join(dir, 'not-a-directory');
  await writeFile(blocker, 'x');
  const outcomes = await sinkAt(join(blocker, 'events.ndjson')).send(generatedEvents(2));
  assert.deepEqual(outcomes.map((o) => o.kind === 'retry' && o.reason), ['unavailable', 'unavailable']);
  assert.match((outcomes[0] as { detail: string }).detail, /ENOTDIR/);
});
