import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { headerOf, parseOne, RECEIVED_ISO } from './parse-one.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/syslog/${name}.txt`, import.meta.url), 'utf8');

describe('RFC 5424 header', () => {
  const cases: { name: string; text: string; timestamp: string; message: string; syslog: object }[] = [
    {
      name: 'reads every field of RFC example 1 and strips the UTF-8 BOM from MSG',
      text: fixture('rfc5424-rfc-example1-bom'),
      timestamp: '2003-10-11T22:14:15.003Z',
      message: "'su root' failed for lonvick on /dev/pts/8",
      syslog: {
        priority: 34, facility: { code: 4, name: 'auth' }, severity: { code: 2, name: 'critical' },
        hostname: 'mymachine.example.com', appname: 'su', msgid: 'ID47', version: '1',
      },
    },
    {
      name: 'converts RFC example 2 to UTC keeping its six fraction digits',
      text: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
      timestamp: '2003-08-24T12:14:15.000003Z',
      message: "%% It's time to make the do-nuts.",
      syslog: {
        priority: 165, facility: { code: 20, name: 'local4' }, severity: { code: 5, name: 'notice' },
        hostname: '192.0.2.1', appname: 'myproc', procid: '8710', version: '1',
      },
    },
    {
      name: 'treats every NILVALUE as absent, takes the receive time and an empty message',
      text: '<14>1 - - - - - -',
      timestamp: RECEIVED_ISO,
      message: '',
      syslog: { priority: 14, facility: { code: 1, name: 'user' }, severity: { code: 6, name: 'info' }, version: '1' },
    },
    {
      name: 'keeps a two-digit fraction as sent',
      text: '<13>1 1985-04-12T23:20:50.52Z h a - - - x',
      timestamp: '1985-04-12T23:20:50.52Z',
      message: 'x',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'h', appname: 'a', version: '1',
      },
    },
    {
      name: 'accepts an invalid 9-digit fraction leniently and keeps all nine digits',
      text: fixture('rfc5424-invalid-9digit-fraction'),
      timestamp: '2003-08-24T12:14:15.000000003Z',
      message: 'RFC 5424 6.2.3.1: more than 6 fractional digits is invalid',
      syslog: {
        priority: 165, facility: { code: 20, name: 'local4' }, severity: { code: 5, name: 'notice' },
        hostname: '192.0.2.1', appname: 'myproc', procid: '8710', version: '1',
      },
    },
    {
      name: 'reads the NeuVector header (local0, MSGID neuvector, SD nil)',
      text: '<133>1 2025-06-03T14:13:56Z neuvector-controller-pod-6d9c7f8b5-x7kqm /usr/local/bin/controller 12 neuvector - notification=event,level=Notice',
      timestamp: '2025-06-03T14:13:56Z',
      message: 'notification=event,level=Notice',
      syslog: {
        priority: 133, facility: { code: 16, name: 'local0' }, severity: { code: 5, name: 'notice' },
        hostname: 'neuvector-controller-pod-6d9c7f8b5-x7kqm', appname: '/usr/local/bin/controller',
        procid: '12', msgid: 'neuvector', version: '1',
      },
    },
    {
      name: 'keeps the fields of a message cut short after HOSTNAME',
      text: '<13>1 2025-03-14T10:40:00Z host',
      timestamp: '2025-03-14T10:40:00Z',
      message: '',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'host', version: '1',
      },
    },
    {
      name: 'takes text where STRUCTURED-DATA should be as MSG when it is not structured data',
      text: '<13>1 2025-03-14T10:40:00Z host app - - hello world',
      timestamp: '2025-03-14T10:40:00Z',
      message: 'hello world',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'host', appname: 'app', version: '1',
      },
    },
    {
      name: 'takes malformed structured data (unterminated value) as MSG rather than losing it',
      text: '<13>1 2025-03-14T10:40:00Z host app - - [ex@1 a="x] tail',
      timestamp: '2025-03-14T10:40:00Z',
      message: '[ex@1 a="x] tail',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'host', appname: 'app', version: '1',
      },
    },
    {
      name: 'uses the receive time for an impossible date but keeps the rest of the header',
      text: '<13>1 2025-02-30T10:00:00Z host app 7 m - text',
      timestamp: RECEIVED_ISO,
      message: 'text',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'host', appname: 'app', procid: '7', msgid: 'm', version: '1',
      },
    },
    {
      name: 'reads a multi-digit VERSION',
      text: '<13>12 - h - - - - x',
      timestamp: RECEIVED_ISO,
      message: 'x',
      syslog: {
        priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' },
        hostname: 'h', version: '12',
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const event = parseOne(c.text);
      assert.equal(event['@timestamp'], c.timestamp);
      assert.equal(event.message, c.message);
      assert.deepEqual(event.log?.syslog, c.syslog);
    });
  }

  test('keeps MSG after several SD-ELEMENTs and reads them all', () => {
    const event = parseOne('<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 x="1"][b@1 y="2 3"] after');
    assert.equal(event.message, 'after');
    assert.deepEqual(event.log?.syslog?.structured_data, { 'a@1': { x: '1' }, 'b@1': { y: '2 3' } });
  });

  test('reads RFC example 4: two SD-ELEMENTs and no MSG', () => {
    const header = headerOf(fixture('rfc5424-multiple-sd-no-msg'));
    assert.deepEqual(header.structured_data, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
  });

  test('gathers a repeated PARAM-NAME into an array, in order', () => {
    const header = headerOf(fixture('rfc5424-iana-sd-repeated-param'));
    assert.deepEqual(header.structured_data?.origin?.ip, ['192.0.2.1', '2001:db8::1']);
    assert.equal(header.structured_data?.timeQuality?.syncAccuracy, '60000');
  });

  test('keeps a backslash before anything but " \\ ] in a PARAM-VALUE', () => {
    const header = headerOf(fixture('rfc5424-invalid-escape-kept-literal'));
    assert.equal(header.structured_data?.['ex@32473']?.v, 'line1\\nline2 tab\\t');
  });

  test('keeps header fields at their ABNF maximum lengths whole', () => {
    const header = headerOf(fixture('rfc5424-max-length-fields'));
    assert.equal(header.hostname?.length, 255);
    assert.equal(header.appname?.length, 48);
    assert.equal(header.procid?.length, 128);
    assert.equal(header.msgid?.length, 32);
  });

  test('sets host.hostname and observer.hostname from HOSTNAME, module syslog', () => {
    const event = parseOne('<13>1 - web01 - - - - x');
    assert.deepEqual(event.host, { hostname: 'web01' });
    assert.deepEqual(event.observer, { hostname: 'web01' });
    assert.equal(event.event?.module, 'syslog');
    assert.equal(event.event?.dataset, 'syslog.log');
    assert.equal(event.event?.original, undefined, 'normalize keeps the raw message, not the parser');
  });
});
