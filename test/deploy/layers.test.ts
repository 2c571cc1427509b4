import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './known.ts';

// The layers of .dependency-cruiser.cjs hold: every import points down, no cycles, no sink uses
// another sink's files, formats use only parsers/. A failure prints each offending import.

test('imports follow the layers of .dependency-cruiser.cjs', () => {
  const cli = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
  const run = spawnSync(process.execPath, [cli, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src', 'parsers'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
