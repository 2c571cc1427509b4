import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochNanos, epochSecondsText } from '../../../../src/sinks/kit/epoch.ts';

const cases: Array<[string, bigint | undefined]> = [
  ['2025-03-14T09:26:53.589793238Z', 1741944413589793238n],
  ['2025-03-14T09:26:53.5897932Z', 1741944413589793200n],
  ['2025-03-14T09:26:53Z', 1741944413000000000n],
  ['2025-03-14T10:26:53.589793238+01:00', 1741944413589793238n],
  ['2025-03-14T04:26:53.589793238-0500', 1741944413589793238n],
  ['2025-03-14T09:26:53.5897932381234Z', 1741944413589793238n],
  ['2025-03-14T09:26:53', 1741944413000000000n],
  ['not a time', undefined],
];
for (const [iso, expected] of cases) {
  test(`reads ${iso} as epoch nanoseconds without losing digits`, () => {
    assert.equal(epochNanos(iso), expected);
  });
}

test('writes epoch seconds with exactly three decimals, cut not rounded', () => {
  assert.equal(epochSecondsText(1741944413589793238n), '1741944413.589');
  assert.equal(epochSecondsText(1741944413999999999n), '1741944413.999');
  assert.equal(epochSecondsText(1741944413005000000n), '1741944413.005');
  assert.equal(epochSecondsText(1741944413000000000n), '1741944413.000');
});
