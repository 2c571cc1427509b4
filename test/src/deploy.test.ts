import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ROOT, startNodeFlags } from '../support/vigil.ts';

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

test('the image runs vigil as a non-root user with the node flags of npm start', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  assert.match(dockerfile, /^USER node$/m);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  assert.deepEqual(cmd.filter((word) => word.startsWith('--')), startNodeFlags());
  assert.deepEqual(cmd.slice(-2), ['src/cli/vigil.ts', 'start']);
});
