import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import type { Format } from '../../../parsers/kit/format.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { normalize } from '../../../src/normalize/index.ts';
import { withoutHanging } from '../../support/hang-guard.ts';

/** Shared pieces of the parser property tests: fixture seeds, mutations, and the checks every format must pass. */

const FIXTURES = new URL('../../../fixtures/', import.meta.url);

/** The wire-exact inputs of a fixture folder, to mutate. */
export function fixtureInputs(format: string): string[] {
  const dir = new URL(`${format}/`, FIXTURES);
  return readdirSync(dir).filter((f) => !f.endsWith('.expected.json')).sort().map((f) => readFileSync(new URL(f, dir), 'utf8'));
}

const JSON_CHARS = ['{', '}', '[', ']', '"', ',', ':', '\\', '0', '9', '-', '.', 'e', '\n', ' ', '\u0000', 'é', '\uFEFF', '\uD800'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...JSON_CHARS)) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...JSON_CHARS) }),
  fc.record({ kind: fc.constant('digits' as const), at: fc.nat(), text: fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(text: string, m: Mutation): string {
  const at = text.length ? m.at % (text.length + 1) : 0;
  switch (m.kind) {
    case 'delete': return text.slice(0, at) + text.slice(at + m.length);
    case 'insert': case 'digits': return text.slice(0, at) + m.text + text.slice(at);
    case 'replace': return text.slice(0, at) + m.text + text.slice(at + 1);
  }
}

/** A seed input with a few random edits: mostly broken JSON, sometimes still valid with odd values. */
export function mutated(seeds: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(apply, seed));
}

/** Anything at all, including texts that look like JSON. */
export const anyText: fc.Arbitrary<string> = fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' }));

/** Parses `text` and asserts what holds for every input: no throw, no hang, a well-formed result. */
export function parseChecked(format: Format, text: string): ParseResult {
  const result = withoutHanging(() => format.parse(text, { receivedAt: Date.parse('2025-06-03T14:07:08.123Z') }));
  if (result.ok) {
    assert.ok(Array.isArray(result.events));
    for (const event of result.events) assert.equal(typeof JSON.stringify(event), 'string');
  } else {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0, 'a failure says why');
    assert.doesNotMatch(result.reason, /[\n\r]/, 'the reason is one line');
  }
  return result;
}

/** Normalises `text` as `format` and returns the events every sink would receive. */
export function normalized(format: string, text: string): EcsEvent[] {
  return normalize({ format, text, receivedAt: Date.parse('2025-06-03T14:07:08.123Z'), input: 'http', listener: 'http', peer: '192.0.2.10:51514' });
}

/**
 * The original is never lost: every event carries one, and an input that failed as a whole is
 * forwarded as one event whose original is the input itself, byte for byte.
 */
export function assertOriginalKept(text: string, result: ParseResult, events: EcsEvent[]): void {
  for (const event of events) assert.equal(typeof event.event?.original, 'string');
  if (!result.ok) {
    assert.equal(events.length, 1);
    assert.equal(events[0].event?.original, text);
    assert.ok(events[0].tags?.includes('parse_failure'));
  }
}
