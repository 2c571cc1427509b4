import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alertmanager } from '../../../parsers/alertmanager/index.ts';
import { anyText, assertOriginalKept, fixtureInputs, mutated, normalized, parseChecked } from '../json/property-kit.ts';

const runs = { numRuns: 150 };

test('alertmanager: any text parses without throwing, in bounded time, keeping its original', () => {
  fc.assert(fc.property(anyText, (text) => {
    assertOriginalKept(text, parseChecked(alertmanager, text), normalized('alertmanager', text));
  }), runs);
});

test('alertmanager: mutated notifications parse without throwing, keeping originals', () => {
  fc.assert(fc.property(mutated(fixtureInputs('alertmanager')), (text) => {
    assertOriginalKept(text, parseChecked(alertmanager, text), normalized('alertmanager', text));
  }), runs);
});

const time = fc.oneof(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2999-12-31') }).map((d) => d.toISOString()), fc.constant('0001-01-01T00:00:00Z'), fc.jsonValue());
const anyAlert = fc.record({
  status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.jsonValue()),
  labels: fc.oneof(fc.dictionary(fc.constantFrom('alertname', 'severity', 'namespace', 'cluster', 'job'), fc.string()), fc.jsonValue()),
  annotations: fc.oneof(fc.dictionary(fc.constantFrom('summary', 'description'), fc.string()), fc.jsonValue()),
  startsAt: time,
  endsAt: time,
  fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), fc.jsonValue()),
}, { requiredKeys: [] });

test('alertmanager: any notification gives one event per alert, firing ones as alerts, resolved ones ending', () => {
  fc.assert(fc.property(fc.array(anyAlert, { maxLength: 5 }), (alerts) => {
    const events = normalized('alertmanager', JSON.stringify({ status: 'firing', alerts }));
    assert.equal(events.length, alerts.length);
    events.forEach((event, i) => {
      const status = typeof alerts[i].status === 'string' ? alerts[i].status : 'firing';
      assert.equal(event.event?.kind, status === 'resolved' ? 'event' : 'alert');
      assert.deepEqual(JSON.parse(event.event!.original!), JSON.parse(JSON.stringify(alerts[i])));
    });
  }), runs);
});
