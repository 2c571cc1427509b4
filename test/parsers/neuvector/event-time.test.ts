import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTime } from '../../../parsers/neuvector/event-time.ts';
import type { Fields } from '../../../parsers/neuvector/fields.ts';

const at = (reported_at: string, reported_timestamp?: number) => eventTime({ reported_at, reported_timestamp } as Fields);

test('reported_at in NeuVector\'s shape becomes an ISO time with milliseconds', () => {
  assert.equal(at('2025-06-03T14:07:05Z'), '2025-06-03T14:07:05.000Z');
});

// Found by the NeuVector property test: a non-digit in the hour, minute or second of a 20-character
// reported_at was read as -1, passed the range check, and the text went out as an invalid @timestamp.
test('a non-digit anywhere in reported_at is never copied into @timestamp', () => {
  for (const bad of ['2025-06-03T14:,1:25Z', '2025-06-03Tx4:07:05Z', '2025-06-03T14:07:-5Z', '2025-06-03T-1:07:05Z']) {
    assert.equal(at(bad, 1_748_959_625), '2025-06-03T14:07:05.000Z', `${bad} falls back to reported_timestamp`);
    assert.equal(at(bad), undefined, `${bad} alone gives no time`);
  }
});
