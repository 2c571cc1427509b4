import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connection, socketTuple } from '../../../parsers/falco/connection.ts';

const tuples: { name: string; text: string | undefined; ends: unknown }[] = [
  { name: 'reads an IPv4 tuple', text: '10.244.3.17:48122->10.96.0.1:443', ends: [{ ip: '10.244.3.17', port: 48122 }, { ip: '10.96.0.1', port: 443 }] },
  { name: 'reads bracketed IPv6 ends', text: '[2001:db8::1]:5000->[2001:db8::2]:53', ends: [{ ip: '2001:db8::1', port: 5000 }, { ip: '2001:db8::2', port: 53 }] },
  { name: 'reads unbracketed IPv6 ends', text: '2001:db8::1:5000->::1:53', ends: [{ ip: '2001:db8::1', port: 5000 }, { ip: '::1', port: 53 }] },
  { name: 'rejects a file path', text: '/etc/shadow', ends: undefined },
  { name: 'rejects a port out of range', text: '10.0.0.1:70000->10.0.0.2:80', ends: undefined },
  { name: 'rejects a host name', text: 'db:5432->10.0.0.2:80', ends: undefined },
  { name: 'rejects nothing', text: undefined, ends: undefined },
];

for (const c of tuples) {
  test(`socketTuple ${c.name}`, () => assert.deepEqual(socketTuple(c.text), c.ends));
}

test('connection takes each end’s address from the tuple side whose port matches', () => {
  // The process accepted the connection: local is the server side of the tuple.
  const ends = connection({ 'fd.name': '198.51.100.9:40000->10.0.0.5:22', 'fd.lport': 22, 'fd.rport': 40000 });
  assert.deepEqual(ends, { source: { ip: '10.0.0.5', port: 22 }, destination: { ip: '198.51.100.9', port: 40000 } });
});

test('connection prefers fd.lip and fd.rip over the tuple', () => {
  const ends = connection({ 'fd.name': '10.0.0.1:1->10.0.0.2:2', 'fd.lip': '192.0.2.1', 'fd.lport': 1, 'fd.rip': '192.0.2.2', 'fd.rport': 2 });
  assert.deepEqual(ends, { source: { ip: '192.0.2.1', port: 1 }, destination: { ip: '192.0.2.2', port: 2 } });
});

test('connection gives nothing for an alert without socket fields', () => {
  assert.deepEqual(connection({ 'fd.name': '/etc/passwd' }), { source: undefined, destination: undefined });
});
