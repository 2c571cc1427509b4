import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseOne, RECEIVED_ISO } from './parse-one.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/syslog/${name}.txt`, import.meta.url), 'utf8');

interface Expected {
  timestamp: string;
  priority: number;
  hostname?: string;
  appname?: string;
  procid?: string;
  message: string;
}

describe('RFC 3164 and its real-world variants', () => {
  const cases: { name: string; text: string; expected: Expected }[] = [
    {
      name: 'reads the RFC example, placing Oct 11 in the previous year (it would be in the future)',
      text: fixture('rfc3164-rfc-example'),
      expected: { timestamp: '2024-10-11T22:14:15Z', priority: 34, hostname: 'mymachine', appname: 'su', message: "'su root' failed for lonvick on /dev/pts/8" },
    },
    {
      name: 'reads a space-padded day and a TAG with [pid]',
      text: '<13>Mar  4 07:05:09 web01 sshd[1234]: Accepted publickey for deploy',
      expected: { timestamp: '2025-03-04T07:05:09Z', priority: 13, hostname: 'web01', appname: 'sshd', procid: '1234', message: 'Accepted publickey for deploy' },
    },
    {
      name: 'reads a zero-padded day with no HOSTNAME: the TAG follows the time',
      text: '<13>Mar 04 07:05:09 sshd[1234]: Accepted publickey for deploy',
      expected: { timestamp: '2025-03-04T07:05:09Z', priority: 13, appname: 'sshd', procid: '1234', message: 'Accepted publickey for deploy' },
    },
    {
      name: 'reads the libc /dev/log form without HOSTNAME',
      text: fixture('rfc3164-no-hostname'),
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 85, appname: 'sudo', procid: '4242', message: 'pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)' },
    },
    {
      name: 'reads Cisco ASA: year inside the timestamp, colon after it, %ASA tag, no HOSTNAME',
      text: fixture('rfc3164-cisco-asa-with-year'),
      expected: {
        timestamp: '2025-03-14T10:12:13Z', priority: 166, appname: '%ASA-6-302013',
        message: 'Built inbound TCP connection 123456 for outside:198.51.100.7/51514 (198.51.100.7/51514) to inside:10.1.2.3/443 (10.1.2.3/443)',
      },
    },
    {
      name: 'reads Cisco IOS: sequence number, * clock marker, milliseconds and colon',
      text: '<189>1234: *Mar 14 10:12:13.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0',
      expected: { timestamp: '2025-03-14T10:12:13.123Z', priority: 189, appname: '%SYS-5-CONFIG_I', message: 'Configured from console by admin on vty0' },
    },
    {
      name: 'reads the ISO BSD form (RFC 3339 time, no VERSION) and keeps the spaces the content starts with',
      text: fixture('rfc3164-iso-timestamp-no-version'),
      expected: {
        timestamp: '2025-03-14T09:12:13.123456Z', priority: 86, hostname: 'web01', appname: 'sudo', procid: '4242',
        message: '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow',
      },
    },
    {
      name: 'assumes <13> (user.notice) for a message without PRI',
      text: fixture('rfc3164-no-pri'),
      expected: {
        timestamp: '2025-03-14T10:12:13Z', priority: 13, hostname: 'web01', appname: 'kernel',
        message: fixture('rfc3164-no-pri').slice('Mar 14 10:12:13 web01 kernel: '.length),
      },
    },
    {
      name: 'keeps content that has no TAG whole',
      text: '<13>Mar 14 10:12:13 web01 just some text',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, hostname: 'web01', message: 'just some text' },
    },
    {
      name: 'does not take CEF: for a TAG (the colon does not end the token)',
      text: '<13>Mar 14 10:12:13 node-7 CEF:0|V|P|1|id|n|5|',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, hostname: 'node-7', message: 'CEF:0|V|P|1|id|n|5|' },
    },
    {
      name: 'reads a TAG whose content is empty',
      text: '<13>Mar 14 10:12:13 web01 su:',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, hostname: 'web01', appname: 'su', message: '' },
    },
    {
      name: 'reads a HOSTNAME with nothing after it',
      text: '<13>Mar 14 10:12:13 web01',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, hostname: 'web01', message: '' },
    },
    {
      name: 'accepts TAG characters beyond alphanumerics (postfix/smtpd)',
      text: '<22>Mar 14 10:12:13 mx1 postfix/smtpd[77]: connect from unknown',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 22, hostname: 'mx1', appname: 'postfix/smtpd', procid: '77', message: 'connect from unknown' },
    },
    {
      name: 'reads a Cisco HOSTNAME with a colon glued to it: `localhost: %ASA-…` names the host, not a TAG',
      text: fixture('rfc3164-cisco-asa-glued-colon-hostname').trimEnd(),
      expected: {
        timestamp: '2025-03-14T10:12:13Z', priority: 166, hostname: 'localhost', appname: '%ASA-6-302021',
        message: 'Teardown ICMP connection for faddr 198.51.100.7/0 gaddr 10.1.2.3/0 laddr 10.1.2.3/0 type 8 code 0',
      },
    },
    {
      name: 'reads the same with the colon spaced off: `MYHOSTNAME : %ASA-…`',
      text: fixture('rfc3164-cisco-asa-spaced-colon-hostname').trimEnd(),
      expected: {
        timestamp: '2025-03-14T10:12:13Z', priority: 166, hostname: 'MYHOSTNAME', appname: '%ASA-6-302021',
        message: 'Teardown ICMP connection for faddr 198.51.100.7/0 gaddr 10.1.2.3/0 laddr 10.1.2.3/0 type 8 code 0',
      },
    },
    {
      name: 'reads a Cisco IOS HOSTNAME with a glued colon before %SYS-…',
      text: '<189>Mar 14 10:12:13 core-sw1: %SYS-5-CONFIG_I: Configured from console by admin on vty0',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 189, hostname: 'core-sw1', appname: '%SYS-5-CONFIG_I', message: 'Configured from console by admin on vty0' },
    },
    {
      name: 'keeps a TAG whose content merely starts with a word and a colon (no HOSTNAME, not Cisco)',
      text: '<13>Mar 14 10:12:13 backup: error: disk full',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, appname: 'backup', message: 'error: disk full' },
    },
    {
      name: 'keeps a TAG with [pid] before a %-word as the TAG',
      text: '<13>Mar 14 10:12:13 app[7]: %ASA-6-302021: quoted',
      expected: { timestamp: '2025-03-14T10:12:13Z', priority: 13, appname: 'app', procid: '7', message: '%ASA-6-302021: quoted' },
    },
    {
      name: 'treats an impossible date (Feb 30) as no timestamp: raw text at the receive time (RFC 3164 §4.3.2)',
      text: '<13>Feb 30 10:12:13 web01 su: x',
      expected: { timestamp: RECEIVED_ISO, priority: 13, message: 'Feb 30 10:12:13 web01 su: x' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const event = parseOne(c.text);
      const header = event.log?.syslog;
      assert.equal(event['@timestamp'], c.expected.timestamp);
      assert.equal(event.message, c.expected.message);
      assert.equal(header?.priority, c.expected.priority);
      assert.equal(header?.hostname, c.expected.hostname);
      assert.equal(header?.appname, c.expected.appname);
      assert.equal(header?.procid, c.expected.procid);
      assert.equal(header?.version, undefined, 'BSD forms have no VERSION');
      assert.equal(event.host?.hostname, c.expected.hostname);
    });
  }
});

describe('syslog APP-NAME and PROCID as ECS process.*', () => {
  const cases: [string, string, { name?: string; pid?: number } | undefined][] = [
    ['a TAG with [pid] is process.name and process.pid', '<13>Mar 14 10:12:13 bastion sshd[4123]: Accepted', { name: 'sshd', pid: 4123 }],
    ['a TAG without pid is process.name alone', '<13>Mar 14 10:12:13 web01 su: x', { name: 'su' }],
    ['an RFC 5424 APP-NAME and numeric PROCID', '<13>1 2025-03-14T10:12:13Z h app 77 - - x', { name: 'app', pid: 77 }],
    ['a PROCID that is no number leaves process.pid out', '<13>1 2025-03-14T10:12:13Z h app worker-2 - - x', { name: 'app' }],
    ['a NILVALUE APP-NAME gives no process', '<13>1 2025-03-14T10:12:13Z h - 77 - - x', undefined],
    ['a Cisco mnemonic in the TAG position is no process', '<166>Mar 14 2025 10:12:13: %ASA-6-302013: Built', undefined],
  ];
  for (const [name, text, process] of cases) {
    test(name, () => {
      const event = parseOne(text);
      assert.deepEqual(event.process, process);
    });
  }
});
