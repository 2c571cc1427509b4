import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromEpochNanos, timestampFromJson, toUtcTimestamp } from '../../../parsers/kit/json-timestamp.ts';
import { parseLossless } from '../../../parsers/kit/json-lossless.ts';

const utc: { name: string; input: string; expected: string | undefined }[] = [
  { name: "keeps Falco's nine fractional digits", input: '2025-03-14T09:26:53.589793238Z', expected: '2025-03-14T09:26:53.589793238Z' },
  { name: "keeps the API server's microseconds", input: '2025-03-14T10:22:05.718281Z', expected: '2025-03-14T10:22:05.718281Z' },
  { name: 'pads a trimmed fraction to milliseconds', input: '2025-03-14T10:20:12.03Z', expected: '2025-03-14T10:20:12.030Z' },
  { name: 'adds milliseconds to whole seconds', input: '2025-03-14T10:20:12Z', expected: '2025-03-14T10:20:12.000Z' },
  { name: 'moves a positive offset to UTC', input: '2025-03-14T10:24:57.031+01:00', expected: '2025-03-14T09:24:57.031Z' },
  { name: 'moves a negative offset across midnight', input: '2025-12-31T23:30:00.5-02:30', expected: '2026-01-01T02:00:00.500Z' },
  { name: "reads Falco's ISO prefix offset without a colon", input: '2025-03-14T09:31:07.112358132+0000', expected: '2025-03-14T09:31:07.112358132Z' },
  { name: 'accepts a space for the T', input: '2025-03-14 10:42:00.5Z', expected: '2025-03-14T10:42:00.500Z' },
  { name: "accepts Go's zero time", input: '0001-01-01T00:00:00Z', expected: '0001-01-01T00:00:00.000Z' },
  { name: 'accepts a leap day', input: '2024-02-29T00:00:00Z', expected: '2024-02-29T00:00:00.000Z' },
  { name: 'rejects a day that does not exist', input: '2025-02-29T00:00:00Z', expected: undefined },
  { name: 'rejects hour 24', input: '2025-03-14T24:00:00Z', expected: undefined },
  { name: 'rejects a time without a zone', input: '2025-03-14T10:00:00', expected: undefined },
  { name: 'rejects ten fractional digits', input: '2025-03-14T10:00:00.1234567890Z', expected: undefined },
  { name: 'rejects a clock-only time', input: '09:26:53.589793238', expected: undefined },
  { name: 'rejects words', input: 'yesterday', expected: undefined },
];

for (const c of utc) {
  test(`toUtcTimestamp ${c.name}`, () => assert.equal(toUtcTimestamp(c.input), c.expected));
}

test('fromEpochNanos writes all nine digits of a nanosecond epoch', () => {
  assert.equal(fromEpochNanos('1741944413589793238'), '2025-03-14T09:26:53.589793238Z');
  assert.equal(fromEpochNanos('1741947300141421000'), '2025-03-14T10:15:00.141421000Z');
  assert.equal(fromEpochNanos('12ab'), undefined);
});

const fromJson: { name: string; json: string; expected: string | undefined }[] = [
  { name: 'reads epoch seconds', json: '1741948920', expected: '2025-03-14T10:42:00.000Z' },
  { name: 'reads fractional epoch seconds', json: '1741948920.25', expected: '2025-03-14T10:42:00.250Z' },
  { name: 'reads epoch milliseconds', json: '1741949000123', expected: '2025-03-14T10:43:20.123Z' },
  { name: 'reads epoch microseconds', json: '1741949000123456', expected: '2025-03-14T10:43:20.123Z' },
  { name: 'reads epoch nanoseconds beyond 2^53 exactly', json: '1741944413589793238', expected: '2025-03-14T09:26:53.589793238Z' },
  { name: 'reads an RFC 3339 string', json: '"2025-03-14T10:41:00Z"', expected: '2025-03-14T10:41:00.000Z' },
  { name: 'ignores a negative number', json: '-5', expected: undefined },
  { name: 'ignores a boolean', json: 'true', expected: undefined },
  { name: 'ignores a date-like string without a zone', json: '"2025-03-14"', expected: undefined },
];

for (const c of fromJson) {
  test(`timestampFromJson ${c.name}`, () => assert.equal(timestampFromJson(parseLossless(c.json)), c.expected));
}

test('any instant written with any offset and fraction comes back as the same instant in UTC', () => {
  const instant = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });
  const offset = fc.integer({ min: -14 * 60, max: 14 * 60 });
  const fraction = fc.stringMatching(/^\d{1,9}$/);
  fc.assert(fc.property(instant, offset, fraction, (date, minutes, digits) => {
    const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
    const local = new Date(seconds.getTime() + minutes * 60_000).toISOString().slice(0, 19);
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const out = toUtcTimestamp(`${local}.${digits}${zone}`);
    assert.equal(out, `${seconds.toISOString().slice(0, 19)}.${digits.padEnd(3, '0')}Z`);
  }), { numRuns: 300 });
});
