import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRfc3339 } from '../../../parsers/syslog/rfc3339.ts';
import { scanBsdTimestamp } from '../../../parsers/kit/bsd-timestamp.ts';
import { isoUtc } from '../../../parsers/kit/utc-time.ts';

const rfc3339 = (text: string) => parseRfc3339(text, 0, text.length);

describe('RFC 3339 timestamps', () => {
  const cases: [string, string, string | undefined][] = [
    ['reads the RFC example with a Z offset', '1985-04-12T23:20:50.52Z', '1985-04-12T23:20:50.52Z'],
    ['converts a negative offset to UTC', '1985-04-12T19:20:50.52-04:00', '1985-04-12T23:20:50.52Z'],
    ['converts a positive offset across midnight and a month end', '2025-03-01T00:30:00+01:00', '2025-02-28T23:30:00Z'],
    ['keeps a whole-second time without a fraction', '2025-06-03T14:07:07Z', '2025-06-03T14:07:07Z'],
    ['keeps nine fraction digits', '2003-08-24T05:14:15.000000003-07:00', '2003-08-24T12:14:15.000000003Z'],
    ['keeps at most nine of twelve fraction digits', '2025-01-01T00:00:00.123456789123Z', '2025-01-01T00:00:00.123456789Z'],
    ['accepts lower-case t and z', '2025-01-01t00:00:00z', '2025-01-01T00:00:00Z'],
    ['accepts an offset without a colon', '2025-01-01T02:00:00+0200', '2025-01-01T00:00:00Z'],
    ['reads a missing offset as UTC', '2025-01-01T02:00:00', '2025-01-01T02:00:00Z'],
    ['accepts Feb 29 in a leap year', '2024-02-29T12:00:00Z', '2024-02-29T12:00:00Z'],
    ['reads a two-digit year literally, not as 19xx', '0050-01-01T00:00:00Z', '0050-01-01T00:00:00Z'],
    ['rejects Feb 29 outside a leap year', '2025-02-29T12:00:00Z', undefined],
    ['rejects a leap second (forbidden by RFC 5424)', '2025-06-30T23:59:60Z', undefined],
    ['rejects hour 24', '2025-06-30T24:00:00Z', undefined],
    ['rejects month 13', '2025-13-01T00:00:00Z', undefined],
    ['rejects a dot without fraction digits', '2025-01-01T00:00:00.Z', undefined],
    ['rejects an offset with junk after it', '2025-01-01T00:00:00+01:00x', undefined],
    ['rejects an offset hour of 24', '2025-01-01T00:00:00+24:00', undefined],
    ['rejects a date-only token', '2025-01-01', undefined],
    ['rejects an instant beyond year 9999', '9999-12-31T23:00:00-02:00', undefined],
  ];
  for (const [name, text, expected] of cases) test(name, () => assert.equal(rfc3339(text), expected));
});

describe('BSD timestamps', () => {
  const received = Date.parse('2025-06-03T14:07:08.123Z');
  const bsd = (text: string, at = received) => {
    const scanned = scanBsdTimestamp(text, 0, at);
    return scanned && isoUtc(scanned.millis, scanned.fraction);
  };
  const cases: [string, string, number, string | undefined][] = [
    ['takes the receive year for a date in the past', 'Mar 14 10:12:13', received, '2025-03-14T10:12:13Z'],
    ['takes the previous year for a date more than a day ahead', 'Oct 11 22:14:15', received, '2024-10-11T22:14:15Z'],
    ['keeps the receive year for a date less than a day ahead (clock skew)', 'Jun  4 14:00:00', received, '2025-06-04T14:00:00Z'],
    ['takes the previous year just past the one-day limit', 'Jun  4 14:07:09', received, '2024-06-04T14:07:09Z'],
    ['puts a Dec 31 message received on Jan 1 in the old year', 'Dec 31 23:59:59', Date.parse('2026-01-01T00:00:10Z'), '2025-12-31T23:59:59Z'],
    ['puts Feb 29 received in a common year in the last leap year', 'Feb 29 12:00:00', Date.parse('2025-03-01T00:00:00Z'), '2024-02-29T12:00:00Z'],
    ['reads a space-padded day', 'Mar  4 07:05:09', received, '2025-03-04T07:05:09Z'],
    ['reads a zero-padded day', 'Mar 04 07:05:09', received, '2025-03-04T07:05:09Z'],
    ['reads a single-space single-digit day', 'Mar 4 07:05:09', received, '2025-03-04T07:05:09Z'],
    ['uses a year inside the timestamp (Cisco ASA) without inference', 'Oct 14 2025 10:12:13:', received, '2025-10-14T10:12:13Z'],
    ['keeps Cisco IOS milliseconds', 'Mar 14 10:12:13.123:', received, '2025-03-14T10:12:13.123Z'],
    ['accepts month names in any case', 'mAR 14 10:12:13', received, '2025-03-14T10:12:13Z'],
    ['rejects an unknown month', 'Mai 14 10:12:13', received, undefined],
    ['rejects Feb 30', 'Feb 30 10:12:13', received, undefined],
    ['rejects a time without seconds', 'Mar 14 10:12', received, undefined],
    ['rejects a time glued to following text', 'Mar 14 10:12:13x', received, undefined],
  ];
  for (const [name, text, at, expected] of cases) test(name, () => assert.equal(bsd(text, at), expected));

  test('reports where the timestamp and its Cisco colon end', () => {
    assert.equal(scanBsdTimestamp('Mar 14 2025 10:12:13: %ASA', 0, received)?.end, 'Mar 14 2025 10:12:13:'.length);
    assert.equal(scanBsdTimestamp('Mar  4 07:05:09 host', 0, received)?.end, 'Mar  4 07:05:09'.length);
  });
});
