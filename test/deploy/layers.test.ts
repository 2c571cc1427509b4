import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './known.ts';

// The layers of .dependency-cruiser.cjs hold: every import points down, no cycles, no sink uses
// another sink's files, formats use only parsers/. A failure prints each offending import.

const KNOWN = '.dependency-cruiser-known-violations.json';

test('imports follow the layers of .dependency-cruiser.cjs', () => {
  const args = ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...(existsSync(join(ROOT, KNOWN)) ? ['--ignore-known', KNOWN] : []), 'src', 'parsers'];
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
