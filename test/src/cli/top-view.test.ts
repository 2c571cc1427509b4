import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTop } from '../../../src/cli/top-view.ts';
import type { StatusSnapshot } from '../../../src/admin/status-state.ts';

function snapshot(pid: number, role: string, sink: Partial<StatusSnapshot['sinks'][number]>): StatusSnapshot {
  return {
    node: { host: 'h', pid, role, uptimeSeconds: 3725 },
    listeners: [{ listener: 'syslog-tcp', received: 10 * pid, perSecond: 2.5, dropped: 0, connections: 1 }],
    formats: [{ format: 'neuvector', parsed: 7, perSecond: 1, failed: 1 }],
    sinks: [{ sink: 'elasticsearch', health: 'up', detail: 'accepting events', forwarded: 5, perSecond: 1, retries: {}, deadLetters: {}, dlqDepth: 0, backlogJobs: 0, ...sink }],
    queues: [{ queue: 'sink-elasticsearch', jobs: 4 }],
    rateWindowSeconds: 60,
  };
}

test('top: a row per node and name; halted sinks, retries and dead letters by reason; nothing from a status reaches the terminal as a control', () => {
  const now = new Date('2026-12-07T20:00:10Z');
  const text = renderTop([
    { id: 'a:1', role: 'all', version: '0.1.0', heartbeatAgeSeconds: 5, status: snapshot(1, 'all', {}) },
    { id: 'b:2', role: 'deliver', heartbeatAgeSeconds: 1, status: snapshot(2, 'deliver', {
      health: 'halted', detail: 'the backend refused our credentials\x1b[2J', retries: { unauthorized: 12 }, deadLetters: { mapping_error: 3 }, dlqDepth: 3,
    }) },
    { id: 'c:3', role: 'ingest', heartbeatAgeSeconds: 0, status: null },
  ], now);
  const lines = text.split('\n');
  assert.match(text, /^vigil top {2}20:00:10 UTC {2}3 node\(s\)/);
  assert.ok(lines.some((l) => /^a:1\s+all\s+1h02m\s+0\.1\.0\s+0m05s ago$/.test(l)), text);
  assert.ok(lines.some((l) => /^syslog-tcp\s+b:2\s+2\.5\s+20\s+0\s+1$/.test(l)), text);
  assert.ok(lines.some((l) => /^neuvector\s+a:1\s+1\.0\s+7\s+1$/.test(l)), text);
  const halted = lines.find((l) => l.startsWith('elasticsearch') && l.includes('b:2'));
  assert.match(halted ?? '', /HALTED\s+1\.0\s+5\s+0\s+12\s+3\s+3\s+.*retries: unauthorized 12; dead: mapping_error 3$/);
  assert.ok(lines.some((l) => /^sink-elasticsearch\s+a:1\s+4$/.test(l)), text);
  assert.ok(lines.some((l) => /^c:3\s+ingest\s+no status yet\s+0m00s ago$/.test(l)), 'a node without a status yet is listed');
  assert.doesNotMatch(text, /\x1b/);

  const one = renderTop([{ id: 'a:1', role: 'all', status: snapshot(1, 'all', {}) }], now);
  assert.ok(one.split('\n').includes('LISTENER    EV/S  RECEIVED  DROPPED  CONNS'), 'one node: no NODE column');
});
