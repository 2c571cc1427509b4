import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ROOT, startEntry, startEnv, startNodeFlags } from '../support/vigil.ts';

// No Docker engine runs in CI; these check what can be checked without one.

test('docker-compose.yml wires vigil to a Redis that keeps what it acknowledged', () => {
  const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8')) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; ports?: string[] }>;
  };
  const { vigil, redis } = compose.services;
  assert.equal(vigil.environment?.REDIS_URL, 'redis://redis:6379');
  assert.deepEqual(vigil.ports, ['8080:8080', '5514:5514/tcp', '5514:5514/udp']);
  const command = redis.command!.join(' ');
  assert.match(command, /--appendonly yes/);
  assert.match(command, /--appendfsync everysec/);
  assert.match(command, /--maxmemory-policy noeviction/);
});

test('the image runs vigil as a non-root user, as npm start does (same flags, same compiled entry)', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  assert.match(dockerfile, /^USER node$/m);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  assert.deepEqual(cmd.filter((word) => word.startsWith('--')), startNodeFlags());
  assert.deepEqual(cmd.slice(-2), [startEntry(), 'start']);
  assert.match(dockerfile, /RUN npm run build/);
  for (const [name, value] of Object.entries(startEnv())) assert.match(dockerfile, new RegExp(`^ENV ${name}=${value}$`, 'm'));
});
