import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neuvector } from '../../../parsers/neuvector/index.ts';
import { parseOne, syslogBody, syslogBodyNames } from './support.ts';
import { MAX_DEPTH } from '../../../parsers/kit/json-lossless.ts';
import { normalize } from '../../../src/normalize/index.ts';

// syslog_in_json only changes how the same struct is printed (neuvector/neuvector
// controller/common/output.go Syslogger.Send): the event must not depend on it. Each pair is one
// event printed both ways.
const SAME_EVENT = [
  ['tcp-lf-violation-01', 'json-violation-02'],
  ['tcp-lf-violation-02', 'json-violation-01'],
  ['tcp-lf-threat-01', 'json-threat-01'],
  ['tcp-lf-incident-01', 'json-incident-01'],
  ['tcp-lf-event-01', 'json-event-01'],
  ['tcp-lf-event-04-multiline', 'json-event-02-multiline'],
  ['tcp-lf-activity-01', 'json-activity-01'],
  ['tcp-lf-audit-02', 'json-audit-02'],
  ['tcp-lf-audit-04', 'json-audit-04'],
  ['tcp-lf-audit-08', 'json-audit-01'],
] as const;

describe('NeuVector syslog bodies', () => {
  for (const [kv, json] of SAME_EVENT) {
    test(`the kv body ${kv} and the JSON body ${json} give the same event`, () => {
      assert.deepEqual(parseOne(syslogBody(kv)), parseOne(syslogBody(json)));
    });
  }

  test('every NeuVector syslog fixture body parses to one neuvector event of its notification type', () => {
    const names = syslogBodyNames();
    assert.ok(names.length >= 30);
    for (const name of names) {
      const body = syslogBody(name);
      const type = /^(?:notification=|\{"notification": ")([a-z]+)/.exec(body)?.[1];
      assert.ok(type, name);
      const event = parseOne(body);
      assert.equal(event.event?.dataset, `neuvector.${type}`, name);
      assert.equal(event.event?.module, 'neuvector', name);
    }
  });

  const claims: [string, string, { msgid?: string }, boolean][] = [
    ['claims a kv body', 'notification=event,name=x', {}, true],
    ['claims a JSON body', '{"notification": "threat", "name":"x"}', {}, true],
    ['claims any MSG whose header MSGID is neuvector', 'something else', { msgid: 'neuvector' }, true],
    ['leaves a CEF message to others', 'CEF:0|Vendor|Product|1|100|name|5|', { msgid: 'cef' }, false],
    ['leaves other JSON to others', '{"output":"x","priority":"Warning"}', {}, false],
  ];
  for (const [name, msg, header, expected] of claims) {
    test(name, () => assert.equal(neuvector.claims?.(msg, header), expected));
  }

  test('parseFrom reads a body in place exactly as parse reads it sliced out', () => {
    const bodies = [...syslogBodyNames().map(syslogBody), '  notification=event,x=1', '{"level":"x"}', 'level=Info,cluster=c,name=n', 'nonsense'];
    for (const body of bodies) {
      const header = '<134>1 2025-06-03T14:07:06Z host app 12 neuvector - ';
      assert.deepEqual(neuvector.parseFrom?.(header + body, header.length, { receivedAt: 0 }),
        neuvector.parse(body, { receivedAt: 0 }), body.slice(0, 60));
    }
  });
});

test('a JSON body nested deeper than MAX_DEPTH inside syslog is forwarded unparsed with parse_failure, not dropped', () => {
  const deep = `{"notification":"violation","x":${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}}`;
  const text = `<134>1 2025-06-03T14:07:07Z nv-pod /usr/local/bin/controller 12 neuvector - ${deep}`;
  const [event] = normalize({ format: 'syslog', text, receivedAt: Date.parse('2025-06-03T14:07:08Z'), input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:514' });
  assert.deepEqual(event.tags, ['parse_failure']);
  assert.match(String((event.error as { message?: string }).message), new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
  assert.equal((event.event as { original?: string }).original, text);
});
