import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/memory-sink.ts';
import { spawnVigil } from '../support/vigil.ts';

// Other local users must not read events or reach Redis: started from a shell with the usual
// umask 022, vigil still creates its data dir 0700 and its files 0600.

test('npm start creates the data dir, the Redis dir and its AOF, events.ndjson and its own files private to its user', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'vigil-modes-'));
  const dataDir = join(parent, 'data');
  const previous = process.umask(0o022);
  const vigil = await spawnVigil({ VIGIL_DATA_DIR: dataDir });
  process.umask(previous);
  try {
    const response = await fetch(`http://127.0.0.1:${vigil.port('http')}/ingest/json`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"private"}',
    });
    assert.equal(response.status, 200);
    const events = join(dataDir, 'out', 'events.ndjson');
    await waitFor(() => existsSync(events) && statSync(events).size > 0, 30_000, 'the event in events.ndjson');
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    for (const dir of [dataDir, join(dataDir, 'redis'), join(dataDir, 'redis', 'appendonlydir'), join(dataDir, 'out')]) assert.equal(mode(dir), '700', dir);
    const files = [events, join(dataDir, 'vigil.pid'), join(dataDir, 'redis', 'redis.target'),
      ...readdirSync(join(dataDir, 'redis', 'appendonlydir')).map((name) => join(dataDir, 'redis', 'appendonlydir', name))];
    assert.ok(files.some((f) => f.includes('.aof')), 'the AOF files are checked');
    for (const file of files) assert.equal(mode(file), '600', file);
  } finally {
    await vigil.stop();
    rmSync(parent, { recursive: true, force: true });
  }
});
