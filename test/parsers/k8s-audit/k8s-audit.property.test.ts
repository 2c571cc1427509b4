import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { k8sAudit } from '../../../parsers/k8s-audit/index.ts';
import { anyText, assertOriginalKept, fixtureInputs, mutated, normalized, parseChecked } from '../json/property-kit.ts';

const runs = { numRuns: 150 };

test('k8s-audit: any text parses without throwing, in bounded time, keeping its original', () => {
  fc.assert(fc.property(anyText, (text) => {
    assertOriginalKept(text, parseChecked(k8sAudit, text), normalized('k8s-audit', text));
  }), runs);
});

test('k8s-audit: mutated EventLists parse without throwing, keeping originals', () => {
  fc.assert(fc.property(mutated(fixtureInputs('k8s-audit')), (text) => {
    assertOriginalKept(text, parseChecked(k8sAudit, text), normalized('k8s-audit', text));
  }), runs);
});

// Items with the audit keys present or not and holding any JSON value.
const anyItem = fc.record({
  auditID: fc.oneof(fc.uuid(), fc.jsonValue()),
  stage: fc.oneof(fc.constantFrom('RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'), fc.jsonValue()),
  verb: fc.oneof(fc.constantFrom('get', 'create', 'patch', 'delete', 'watch'), fc.jsonValue()),
  user: fc.oneof(fc.record({ username: fc.string(), groups: fc.array(fc.string()) }), fc.jsonValue()),
  objectRef: fc.oneof(fc.record({ resource: fc.string(), namespace: fc.string(), name: fc.string() }, { requiredKeys: [] }), fc.jsonValue()),
  responseStatus: fc.oneof(fc.record({ code: fc.integer({ min: 100, max: 599 }) }), fc.jsonValue()),
  sourceIPs: fc.oneof(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string())), fc.jsonValue()),
  stageTimestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.jsonValue()),
  annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
}, { requiredKeys: [] });

test('k8s-audit: any EventList gives one event per item, each original parsing back to its item', () => {
  fc.assert(fc.property(fc.array(anyItem, { maxLength: 6 }), (items) => {
    const events = normalized('k8s-audit', JSON.stringify({ kind: 'EventList', items }));
    assert.equal(events.length, items.length);
    events.forEach((event, i) => assert.deepEqual(JSON.parse(event.event!.original!), JSON.parse(JSON.stringify(items[i]))));
  }), runs);
});
