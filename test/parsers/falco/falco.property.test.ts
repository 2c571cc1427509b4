import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { falco } from '../../../parsers/falco/index.ts';
import { anyText, assertOriginalKept, fixtureInputs, mutated, normalized, parseChecked } from '../json/property-kit.ts';

const runs = { numRuns: 200 };

test('falco: any text parses without throwing, in bounded time, keeping its original', () => {
  fc.assert(fc.property(anyText, (text) => {
    assertOriginalKept(text, parseChecked(falco, text), normalized('falco', text));
  }), runs);
});

test('falco: mutated alerts parse without throwing; one event whose original is the body', () => {
  fc.assert(fc.property(mutated(fixtureInputs('falco')), (text) => {
    const result = parseChecked(falco, text);
    const events = normalized('falco', text);
    assertOriginalKept(text, result, events);
    assert.equal(events.length, 1);
    assert.equal(events[0].event?.original, text);
  }), runs);
});

// Alerts with any values where Falco puts them, including wrong types and big integers.
const value = fc.oneof(fc.jsonValue(), fc.bigInt({ min: 2n ** 53n, max: 10n ** 20n }).map((n) => ({ big: String(n) })));
const alert = fc.record({
  rule: fc.string({ minLength: 1 }),
  priority: fc.oneof(fc.constantFrom('Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'), fc.string()),
  time: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
  source: fc.oneof(fc.constantFrom('syscall', 'k8s_audit', 'internal', 'okta'), fc.string()),
  hostname: fc.string(),
  output: fc.string(),
  tags: fc.oneof(fc.array(fc.oneof(fc.constantFrom('T1059', 'T1059.004', 'TA0003', 'mitre_discovery'), fc.string())), fc.jsonValue()),
  output_fields: fc.dictionary(fc.oneof(fc.constantFrom('proc.pid', 'fd.name', 'fd.lip', 'fd.rport', 'container.id', 'k8s.pod.name', 'user.uid', 'evt.time'), fc.string()), value),
}, { requiredKeys: ['rule'] });

/** JSON text of an alert, with `{"big":"<digits>"}` placeholders written as bare integers. */
const asBody = (a: unknown) => JSON.stringify(a).replace(/\{"big":"(\d+)"\}/g, '$1');

test('falco: any alert with a rule parses, keeps its rule and every big integer digit', () => {
  fc.assert(fc.property(alert, (a) => {
    const body = asBody(a);
    const result = parseChecked(falco, body);
    assert.ok(result.ok, !result.ok ? result.reason : '');
    const [event] = result.events;
    assert.equal((event.falco as { rule: unknown }).rule, a.rule);
    const out = JSON.stringify(event);
    for (const [, digits] of body.matchAll(/:(\d{16,})/g)) assert.ok(out.includes(digits), digits);
  }), runs);
});
