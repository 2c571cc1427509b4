import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FACILITY_NAMES } from '../../../parsers/syslog/priority.ts';
import { LEVELS } from '../../../parsers/kit/severity.ts';
import { parseOne, RECEIVED_ISO } from './parse-one.ts';

describe('syslog variant detection (RFC 5424, ISO BSD, RFC 3164, raw, in that order)', () => {
  const cases: { name: string; text: string; version?: string; timestamp: string; message: string; priority: number }[] = [
    { name: 'VERSION SP date → RFC 5424', text: '<13>1 2025-03-14T10:12:13Z h a p m - msg', version: '1', timestamp: '2025-03-14T10:12:13Z', message: 'msg', priority: 13 },
    { name: 'VERSION SP NILVALUE → RFC 5424', text: '<13>1 - h a p m - msg', version: '1', timestamp: RECEIVED_ISO, message: 'msg', priority: 13 },
    { name: 'RFC 3339 date without VERSION → ISO BSD', text: '<13>2025-03-14T10:12:13Z h a: msg', timestamp: '2025-03-14T10:12:13Z', message: 'msg', priority: 13 },
    { name: 'Mmm d → RFC 3164', text: '<13>Mar 14 10:12:13 h a: msg', timestamp: '2025-03-14T10:12:13Z', message: 'msg', priority: 13 },
    { name: 'a digit and SP not followed by a date → raw text, PRI kept', text: '<13>1 hello world', timestamp: RECEIVED_ISO, message: '1 hello world', priority: 13 },
    { name: 'VERSION 0 is no VERSION → raw text', text: '<13>0 - h a p m - msg', timestamp: RECEIVED_ISO, message: '0 - h a p m - msg', priority: 13 },
    { name: 'PRI then free text → raw text with that PRI', text: '<11>disk full', timestamp: RECEIVED_ISO, message: 'disk full', priority: 11 },
    { name: 'no PRI and no header → whole text as user.notice', text: 'hello world', timestamp: RECEIVED_ISO, message: 'hello world', priority: 13 },
    { name: 'an out-of-range PRI is no PRI: kept in the message', text: '<192>hello', timestamp: RECEIVED_ISO, message: '<192>hello', priority: 13 },
    { name: 'a four-digit PRI is no PRI', text: '<0013>hello', timestamp: RECEIVED_ISO, message: '<0013>hello', priority: 13 },
    { name: 'an unclosed PRI is no PRI', text: '<13 hello', timestamp: RECEIVED_ISO, message: '<13 hello', priority: 13 },
    { name: '<0> is valid: kern.emerg', text: '<0>panic', timestamp: RECEIVED_ISO, message: 'panic', priority: 0 },
    { name: '<191> is valid: local7.debug', text: '<191>trace', timestamp: RECEIVED_ISO, message: 'trace', priority: 191 },
    { name: 'an empty message is user.notice with an empty message', text: '', timestamp: RECEIVED_ISO, message: '', priority: 13 },
    { name: 'a trailing LF, CR and NUL are transport, not MSG', text: '<13>1 - - - - - - msg\r\n\u0000', version: '1', timestamp: RECEIVED_ISO, message: 'msg', priority: 13 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const event = parseOne(c.text);
      assert.equal(event.log?.syslog?.version, c.version);
      assert.equal(event['@timestamp'], c.timestamp);
      assert.equal(event.message, c.message);
      assert.equal(event.log?.syslog?.priority, c.priority);
    });
  }

  test('names every facility and severity from the PRI', () => {
    const expectedFacilities = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron',
      'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
      'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
    assert.deepEqual([...FACILITY_NAMES], expectedFacilities);
    for (let facility = 0; facility < 24; facility++) {
      for (let severity = 0; severity < 8; severity++) {
        const header = parseOne(`<${facility * 8 + severity}>x`).log?.syslog;
        assert.deepEqual(header?.facility, { code: facility, name: expectedFacilities[facility] });
        assert.deepEqual(header?.severity, { code: severity, name: LEVELS[severity] });
      }
    }
  });
});
