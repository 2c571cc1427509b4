import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../../../../src/sinks/kit/retry-after.ts';

const now = Date.parse('2025-06-03T14:00:00Z');
const cases: Array<[string, string | string[] | undefined, number | undefined]> = [
  ['reads delay-seconds', '120', 120_000],
  ['reads fractional seconds some proxies send', '1.5', 1500],
  ['reads an HTTP-date as the time left until then', 'Tue, 03 Jun 2025 14:00:30 GMT', 30_000],
  ['treats an HTTP-date in the past as no wait', 'Tue, 03 Jun 2025 13:00:00 GMT', 0],
  ['takes the first of repeated headers', ['5', '60'], 5000],
  ['ignores an absent header', undefined, undefined],
  ['ignores garbage', 'soon', undefined],
  ['ignores a negative number', '-5', undefined],
];
for (const [name, value, expected] of cases) {
  test(`Retry-After: ${name}`, () => {
    assert.equal(parseRetryAfter(value, now), expected);
  });
}
