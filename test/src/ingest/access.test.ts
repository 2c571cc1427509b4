import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { parseCidr } from '../../../src/config/cidr.ts';
import { createRateLimiter } from '../../../src/ingest/access/rate-limit.ts';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { createPeerConnections } from '../../../src/ingest/access/peer-connections.ts';
import { peerKey } from '../../../src/ingest/access/peer-key.ts';
import { nestsDeeperThan as jsonTooDeep } from '../../../parsers/kit/json-lossless.ts';

test('allowlist: IPv4 and IPv6 CIDRs, single addresses, IPv4-mapped IPv6 peers', () => {
  const allow = createAllowlist(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);
  for (const address of ['10.1.2.3', '::ffff:10.200.0.1', '192.168.1.7', '::ffff:192.168.1.7', '2001:db8:1::5', '::1']) {
    assert.equal(allow(address), true, address);
  }
  for (const address of ['11.0.0.1', '192.168.1.8', '::ffff:172.16.0.1', '2001:db9::1', '::2', undefined, 'not-an-ip', '']) {
    assert.equal(allow(address), false, String(address));
  }
});

test('allowlist: a mapped IPv6 rule matches the plain IPv4 peer; no entries allows everyone', () => {
  assert.equal(createAllowlist(['::ffff:127.0.0.1'])('127.0.0.1'), true);
  const open = createAllowlist([]);
  assert.equal(open('203.0.113.9'), true);
  assert.equal(open('2001:db8::9'), true);
});

test('allowlist: entries that are not addresses or CIDRs are refused', () => {
  for (const bad of ['10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
    assert.equal(parseCidr(bad), undefined, bad);
    assert.throws(() => createAllowlist([bad]), /Not an IP address or CIDR/);
  }
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr('fd00::1'), { address: 'fd00::1', prefix: 128, family: 'ipv6' });
});

test('rate limit: a burst, then the refill rate; the excess of a batch is refused, per peer', () => {
  let time = 1_000_000;
  const limiter = createRateLimiter({ perSecond: 10, burst: 20, maxPeers: 100, now: () => time });
  assert.equal(limiter.grant('a', 15), 15);
  assert.equal(limiter.grant('a', 15), 5, 'only what is left of the burst');
  assert.equal(limiter.grant('a', 1), 0);
  assert.equal(limiter.secondsUntil('a', 1), 1);
  assert.equal(limiter.grant('b', 20), 20, 'another peer has its own bucket');
  time += 500;
  assert.equal(limiter.grant('a', 10), 5, 'half a second refills five');
  time += 60_000;
  assert.equal(limiter.grant('a', 100), 20, 'never more than the burst');
});

test('rate limit: memory is bounded by evicting the least recently seen peer, and idle peers are forgotten', () => {
  let time = 0;
  const limiter = createRateLimiter({ perSecond: 1, burst: 2, maxPeers: 3, now: () => time });
  for (const peer of ['a', 'b', 'c', 'd', 'e']) limiter.grant(peer, 2);
  assert.equal(limiter.size, 3);
  // 'e' was seen last and is still empty; 'a' was evicted and starts full again.
  assert.equal(limiter.grant('e', 1), 0);
  assert.equal(limiter.grant('a', 2), 2);
  time += 2_000; // long enough for every bucket to be full again
  limiter.grant('z', 1);
  assert.equal(limiter.size, 1, 'refilled buckets are dropped');
});

test('per-peer connections: at most n open per address, counted down on close', () => {
  const peers = createPeerConnections(2);
  assert.equal(peers.open('10.0.0.1'), true);
  assert.equal(peers.open('10.0.0.1'), true);
  assert.equal(peers.open('10.0.0.1'), false);
  assert.equal(peers.open('10.0.0.2'), true);
  peers.close('10.0.0.1');
  assert.equal(peers.open('10.0.0.1'), true);
  peers.close('10.0.0.1');
  peers.close('10.0.0.1');
  peers.close('10.0.0.2');
  assert.equal(peers.peers, 0);
});

test('JSON depth: brackets inside strings (and escaped quotes) do not count', () => {
  assert.equal(jsonTooDeep('{"a":{"b":[1,[2]]}}', 4), false);
  assert.equal(jsonTooDeep('{"a":{"b":[1,[2]]}}', 3), true);
  assert.equal(jsonTooDeep(`{"s":"${'['.repeat(100)}"}`, 2), false);
  assert.equal(jsonTooDeep(`{"s":"\\"${'{'.repeat(100)}"}`, 2), false);
  assert.equal(jsonTooDeep('['.repeat(65) + ']'.repeat(65), 64), true);
  assert.equal(jsonTooDeep('['.repeat(64) + ']'.repeat(64), 64), false);
  assert.equal(jsonTooDeep('[]'.repeat(1000), 1), false, 'siblings are not depth');
});

test('peer key: IPv4 (and IPv4-mapped) per address, IPv6 per /64 whatever the spelling', () => {
  assert.equal(peerKey('203.0.113.7'), '203.0.113.7');
  assert.equal(peerKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(peerKey('::1'), '0:0:0:0::/64');
  for (const address of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2::1%eth0', '2001:db8:1:2::192.0.2.1']) {
    assert.equal(peerKey(address), '2001:db8:1:2::/64', address);
  }
  assert.equal(peerKey('2001:db8:1:3::1'), '2001:db8:1:3::/64', 'the next /64 is another peer');
  assert.equal(peerKey('2001:db8::'), '2001:db8:0:0::/64');
  assert.equal(peerKey('64:ff9b::198.51.100.1'), '64:ff9b:0:0::/64');
  assert.equal(peerKey(undefined), 'unknown');
});

test('per-peer connections: two IPv6 addresses of one /64 share a budget, another /64 has its own', () => {
  const peers = createPeerConnections(2);
  const socket = (remoteAddress: string) => Object.assign(new EventEmitter(), { remoteAddress }) as unknown as Socket;
  const a = socket('2001:db8:1:2::a');
  assert.equal(peers.admit(a), true);
  assert.equal(peers.admit(socket('2001:db8:1:2::b')), true);
  assert.equal(peers.admit(socket('2001:db8:1:2:8000::c')), false, 'a third address in the same /64');
  assert.equal(peers.admit(socket('2001:db8:1:3::a')), true, 'another /64');
  a.emit('close');
  assert.equal(peers.admit(socket('2001:db8:1:2::d')), true, 'a closed connection frees its slot');
});

test('rate limit: charge takes a bucket into debt, which grants nothing and is not forgotten as idle until repaid', () => {
  let time = 0;
  const limiter = createRateLimiter({ perSecond: 10, burst: 20, maxPeers: 100, now: () => time });
  limiter.charge('a', 50);
  assert.equal(limiter.grant('a', 1), 0);
  assert.equal(limiter.secondsUntil('a', 1), 4, '31 tokens at 10 per second');
  time += 2_500; // past the idle time of a bucket refilling from zero, not from -30
  limiter.grant('z', 1);
  assert.equal(limiter.grant('a', 1), 0, 'still in debt: not swept as idle');
  time += 1_000;
  assert.equal(limiter.grant('a', 5), 5);
});
