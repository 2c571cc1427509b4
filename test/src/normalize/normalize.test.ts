import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../../../src/normalize/index.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';

const raw = (format: string, text: string): RawEvent => ({ format, text, receivedAt: 1_750_000_000_000, input: 'http', listener: 'http', peer: '10.0.0.1:1' });

// Found by the listener fuzz: each item's id hashed the whole body, so a body of many small items
// cost items × body bytes (80,000 empty k8s-audit items in 240 KB: a minute of a processing thread).
// At 150,000 items that was minutes; hashing the body once makes it a few seconds.
test('a body of 150,000 items is normalised in one pass, each item with its own id', { timeout: 60_000 }, () => {
  for (const [format, text] of [
    ['k8s-audit', `{"kind":"EventList","items":[${'{},'.repeat(149_999)}{}]}`],
    ['alertmanager', `{"alerts":[${'{},'.repeat(149_999)}{}]}`],
    ['json', `[${'{},'.repeat(149_999)}{}]`],
  ]) {
    const events = normalize(raw(format, text));
    assert.equal(events.length, 150_000, format);
    assert.equal(new Set(events.map((e) => e.event!.id)).size, 150_000, `${format}: distinct ids`);
  }
});

test('ids of a many-item body are deterministic and depend on its content', () => {
  const ids = (text: string) => normalize(raw('json', text)).map((e) => e.event!.id);
  assert.deepEqual(ids('[{"a":1},{"a":2}]'), ids('[{"a":1},{"a":2}]'), 'the same reception gives the same ids');
  assert.notDeepEqual(ids('[{"a":1},{"a":2}]'), ids('[{"a":1},{"a":3}]'));
  assert.notEqual(ids('[{"a":1},{"a":2}]')[0], ids('[{"a":1},{"a":2}]')[1]);
});

test('a verified client certificate becomes ECS tls.client.*; without one there is no tls field', () => {
  const raw: RawEvent = {
    format: 'syslog', text: '<13>1 - - app - - - hello', receivedAt: 1_750_000_000_000, input: 'tls', listener: 'syslog-tls', peer: '10.0.0.1:40000',
    client: { subject: 'CN=falco, O=example', commonName: 'falco', alternativeNames: ['DNS:falco.example', 'URI:spiffe://example/falco'] },
  };
  const [event] = normalize(raw);
  assert.deepEqual(event.tls, {
    client: {
      subject: 'CN=falco, O=example',
      x509: { subject: { common_name: ['falco'] }, alternative_names: ['DNS:falco.example', 'URI:spiffe://example/falco'] },
    },
  });
  const { client: _client, ...anonymous } = raw;
  assert.equal(normalize(anonymous)[0].tls, undefined);
});
