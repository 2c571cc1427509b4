import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decimalMillis, isoFromMillis } from '../../../src/normalize/iso-time.ts';

test('isoFromMillis writes what Date#toISOString writes', () => {
  fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.integer({ min: -8.64e15, max: 8.64e15 })), (ms) => {
    assert.equal(isoFromMillis(ms), new Date(ms).toISOString());
  }), { numRuns: 20_000 });
});

test('isoFromMillis at day, year and range edges, in any order (the date part is cached)', () => {
  const edges = [
    0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 1_748_995_199_999,
    1_748_995_200_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5, Number.MAX_SAFE_INTEGER,
  ];
  for (const ms of [...edges, ...edges.reverse()]) {
    if (Math.abs(ms) > 8.64e15) assert.throws(() => isoFromMillis(ms), RangeError);
    else assert.equal(isoFromMillis(ms), new Date(ms).toISOString(), String(ms));
  }
});

test('isoFromMillis through consecutive milliseconds across second, day and year ends (the second is cached)', () => {
  for (const from of [86_399_990, 1_748_959_628_990, 1_767_225_599_990 /* 2025-12-31T23:59:59.990Z */]) {
    for (let ms = from; ms < from + 30; ms++) assert.equal(isoFromMillis(ms), new Date(ms).toISOString(), String(ms));
  }
});

test('decimalMillis writes what String writes, in runs across seconds and for any number', () => {
  for (const from of [0, 990, 86_399_990, 1_748_959_628_990, Number.MAX_SAFE_INTEGER - 20]) {
    for (let ms = from; ms < from + 20; ms++) assert.equal(decimalMillis(ms), String(ms), String(ms));
  }
  fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double()), (ms) => {
    assert.equal(decimalMillis(ms), String(ms));
  }), { numRuns: 20_000 });
});
