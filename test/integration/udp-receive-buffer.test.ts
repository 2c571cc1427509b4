import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { spawnVigil } from '../support/vigil.ts';
import { scrape, total } from '../support/prometheus.ts';
import { neuvectorLines } from '../bench/generate.ts';
import { waitFor } from '../support/memory-sink.ts';
import { kernelUdpDrops } from '../support/proc-net-udp.ts';


test('datagrams the kernel drops on a full receive buffer are counted in /metrics, reason receive_buffer', { skip: process.platform !== 'linux' && 'drops are read from /proc (Linux)' }, async () => {
  // The smallest buffer Linux grants (a few datagrams) and a burst far above it: the kernel must drop.
  const vigil = await spawnVigil({}, 'listen:\n  udp_receive_buffer_bytes: 4096\n');
  try {
    const udp = vigil.port('udp');
    const admin = vigil.port('admin');
    const sent = 20_000;
    const socket = dgram.createSocket('udp4');
    const lines = neuvectorLines(1000, 7).map((line) => Buffer.from(line));
    for (let i = 0; i < sent; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) =>
        new Promise<void>((resolve, reject) => socket.send(lines[(i + j) % lines.length], udp, '127.0.0.1', (e) => (e ? reject(e) : resolve())))));
    }
    socket.close();

    const counted = async () => {
      const samples = await scrape(admin);
      return {
        received: total(samples, 'vigil_events_received_total', { listener: 'syslog-udp' }),
        receiveBuffer: total(samples, 'vigil_events_dropped_total', { listener: 'syslog-udp', reason: 'receive_buffer' }),
        dropped: total(samples, 'vigil_events_dropped_total', { listener: 'syslog-udp' }),
      };
    };
    // Nothing silent: every datagram sent is either received or dropped with a reason.
    let last = await counted();
    await waitFor(async () => {
      last = await counted();
      return last.received + last.dropped >= sent;
    }, 30_000, `all ${sent} datagrams accounted for`).catch(() => undefined);
    assert.equal(last.received + last.dropped, sent, JSON.stringify(last));
    assert.ok(last.receiveBuffer > 0, `the burst overflowed the buffer: ${JSON.stringify(last)}`);
    assert.equal(last.receiveBuffer, kernelUdpDrops(udp), 'the metric is the kernel\'s count for the socket');
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});

test('a receive buffer capped by net.core.rmem_max is logged with what was asked and what was granted', { skip: process.platform !== 'linux' && 'reads /proc/sys (Linux)' }, async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const requested = rmemMax * 2;
  const vigil = await spawnVigil({ VIGIL_SYSLOG_TCP_PORT: 'off', VIGIL_HTTP_PORT: 'off' }, `listen:\n  udp_receive_buffer_bytes: ${requested}\n`);
  try {
    const warning = vigil.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('The kernel capped the UDP receive buffer'));
    assert.ok(warning, JSON.stringify(vigil.logs.filter((l) => l.listener === 'syslog-udp')));
    // Linux grants min(request, rmem_max) and doubles it (socket(7)).
    assert.deepEqual([warning.requested, warning.granted, warning.level], [requested, 2 * rmemMax, 40]);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});
