import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Format, ParseContext, SyslogHeader } from '../../../parsers/kit/format.ts';
import { fail, ok } from '../../../parsers/kit/result.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';
import { syslog } from '../../../parsers/syslog/index.ts';
import { cef } from '../../../parsers/cef/index.ts';
import { json } from '../../../parsers/json/index.ts';
import { normalize } from '../../../src/normalize/index.ts';
import { parseOne, RECEIVED_AT } from './parse-one.ts';

interface Call { msg: string; header?: SyslogHeader; ctx?: ParseContext }

/** A body format double: claims MSGs starting with `prefix`, records its calls, answers `answer`. */
function bodyDouble(prefix: string, answer: (msg: string) => ParseResult): Format & { claimed: Call[]; parsed: Call[] } {
  const claimed: Call[] = [];
  const parsed: Call[] = [];
  return {
    name: `double-${prefix}`,
    datasets: [],
    claimed,
    parsed,
    claims(msg, header) { claimed.push({ msg, header }); return msg.startsWith(prefix); },
    parse(msg, ctx) { parsed.push({ msg, ctx }); return answer(msg); },
  };
}

const NV = '<133>1 2025-06-03T14:13:56Z nv-pod /usr/local/bin/controller 12 neuvector - kind=x,level=Notice';

describe('syslog body dispatch', () => {
  test('hands the MSG and the header hints to the first body that claims it', () => {
    const skipped = bodyDouble('nope', () => ok({}));
    const first = bodyDouble('kind=', () => ok({ message: 'first' }));
    const second = bodyDouble('kind=', () => ok({ message: 'second' }));
    const event = parseOne(NV, [skipped, first, second]);
    assert.equal(event.message, 'first');
    assert.deepEqual(skipped.claimed, [{ msg: 'kind=x,level=Notice', header: { appname: '/usr/local/bin/controller', msgid: 'neuvector', hostname: 'nv-pod' } }]);
    assert.deepEqual(first.parsed, [{ msg: 'kind=x,level=Notice', ctx: { receivedAt: RECEIVED_AT, maxEvents: 1 } }]);
    assert.equal(second.claimed.length, 0, 'later bodies are not asked once one claims');
  });

  test('lets body fields win but keeps log.syslog from the header', () => {
    const body = bodyDouble('kind=', () => ok({
      '@timestamp': '2025-06-03T14:13:55Z',
      message: 'body message',
      event: { module: 'neuvector', dataset: 'neuvector.event', severity: 2 },
      log: { level: 'notice', syslog: { priority: 1 } },
    }));
    const event = parseOne(NV, [body]);
    assert.equal(event['@timestamp'], '2025-06-03T14:13:55Z', 'the body time is the event time');
    assert.equal(event.message, 'body message');
    assert.deepEqual(event.event, { module: 'neuvector', dataset: 'neuvector.event', severity: 2 });
    assert.equal(event.log?.level, 'notice');
    assert.equal(event.log?.syslog?.priority, 133);
    assert.equal(event.log?.syslog?.msgid, 'neuvector');
  });

  test('fills host.hostname and observer.hostname from the header only where the body has none', () => {
    const bare = parseOne(NV, [bodyDouble('kind=', () => ok({ host: { name: 'n' }, observer: { vendor: 'NeuVector' } }))]);
    assert.deepEqual(bare.host, { name: 'n', hostname: 'nv-pod' });
    assert.deepEqual(bare.observer, { vendor: 'NeuVector', hostname: 'nv-pod' });
    const own = parseOne(NV, [bodyDouble('kind=', () => ok({ host: { hostname: 'node-1' }, observer: { hostname: 'ctl' } }))]);
    assert.deepEqual(own.host, { hostname: 'node-1' });
    assert.deepEqual(own.observer, { hostname: 'ctl' });
  });

  test('keeps the header time and MSG where the body sets none', () => {
    const event = parseOne(NV, [bodyDouble('kind=', () => ok({ rule: { name: 'r' } }))]);
    assert.equal(event['@timestamp'], '2025-06-03T14:13:56Z');
    assert.equal(event.message, 'kind=x,level=Notice');
    assert.deepEqual(event.rule, { name: 'r' });
  });

  test('drops a body event.original: the original is the whole message, which normalize keeps', () => {
    const event = parseOne(NV, [bodyDouble('kind=', () => ok({ event: { original: 'kind=x,level=Notice' } }))]);
    assert.equal(event.event?.original, undefined);
  });

  test('forwards a message whose body yields several events once, unsplit, with the header and too_many_items', () => {
    const result = syslog([bodyDouble('kind=', () => ok({ message: 'a' }, { message: 'b' }))]).parse(NV, { receivedAt: RECEIVED_AT });
    assert.ok(!result.ok);
    assert.equal(result.reason, '2 items in one input, which may become at most 1 event: forwarded unsplit');
    assert.deepEqual(result.partial?.tags, ['too_many_items']);
    assert.equal(result.partial?.message, 'kind=x,level=Notice');
    assert.equal(result.partial?.log?.syslog?.hostname, 'nv-pod');
  });

  test('keeps the message as its header event when the body yields none', () => {
    const event = parseOne(NV, [bodyDouble('kind=', () => ok())]);
    assert.equal(event.message, 'kind=x,level=Notice');
    assert.equal(event.log?.syslog?.priority, 133);
  });

  test('forwards a MSG of JSON lines once, unsplit, tagged too_many_items and parse_failure, original whole', () => {
    const text = `<14>1 2025-06-03T14:07:18Z host app - - - ${'{}\n'.repeat(20_000)}`;
    const events = normalize({ format: 'syslog', text, receivedAt: RECEIVED_AT, input: 'tcp', listener: 'syslog-tcp', peer: '127.0.0.1:5000' });
    assert.equal(events.length, 1);
    const [event] = events;
    assert.deepEqual(event.tags, ['too_many_items', 'parse_failure']);
    assert.equal(event.error?.message, '20000 JSON lines in one input, which may become at most 1 event: forwarded unsplit');
    assert.equal(event.event?.original, text);
    assert.equal(event.message, '{}\n'.repeat(20_000).trimEnd());
    assert.equal(event.log?.syslog?.appname, 'app');
  });

  test('still parses a MSG of one JSON object, also pretty-printed over several lines', () => {
    const event = parseOne('<14>1 - host app - - - {\n  "message": "hi",\n  "level": "error"\n}', [json]);
    assert.equal(event.event?.module, 'json');
    assert.equal(event.message, 'hi');
    assert.deepEqual(event.json, { message: 'hi', level: 'error' });
  });

  test('returns the header event when no body claims the MSG', () => {
    const event = parseOne(NV, [bodyDouble('other', () => ok({ message: 'never' }))]);
    assert.equal(event.message, 'kind=x,level=Notice');
    assert.equal(event.event?.module, 'syslog');
  });

  test('does not ask bodies about an empty MSG', () => {
    const body = bodyDouble('', () => ok({ message: 'never' }));
    parseOne('<14>1 - - - - - -', [body]);
    assert.equal(body.claimed.length, 0);
  });

  test('fails with the body reason and the header event as partial when the body fails', () => {
    const result = syslog([bodyDouble('kind=', () => fail('neuvector: unknown notification'))]).parse(NV, { receivedAt: RECEIVED_AT });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'neuvector: unknown notification');
    assert.equal(result.partial?.log?.syslog?.priority, 133);
    assert.equal(result.partial?.host?.hostname, 'nv-pod');
    assert.equal(result.partial?.message, 'kind=x,level=Notice');
  });

  test('merges a failed body partial with the header', () => {
    const result = syslog([bodyDouble('kind=', () => fail('bad', { event: { module: 'neuvector' } }))]).parse(NV, { receivedAt: RECEIVED_AT });
    assert.ok(!result.ok);
    assert.equal(result.partial?.event?.module, 'neuvector');
    assert.equal(result.partial?.log?.syslog?.appname, '/usr/local/bin/controller');
  });

  test('turns a body that throws into a failure instead of throwing', () => {
    const result = syslog([bodyDouble('kind=', () => { throw new Error('boom'); })]).parse(NV, { receivedAt: RECEIVED_AT });
    assert.ok(!result.ok);
    assert.match(result.reason, /boom/);
  });

  test('parses a CEF MSG inside RFC 3164: CEF time, dvchost and severity win, host from the header', () => {
    const text = readFileSync(new URL('../../../fixtures/syslog/cef-falco-alert-in-rfc3164.txt', import.meta.url), 'utf8');
    const event = parseOne(text, [cef]);
    assert.equal(event['@timestamp'], '2025-03-14T09:26:53.589Z');
    assert.equal(event.message, 'A shell was spawned in a container with an attached terminal');
    assert.equal(event.event?.module, 'cef');
    assert.equal(event.log?.level, 'warning');
    assert.equal(event.log?.syslog?.severity?.name, 'notice');
    assert.equal(event.host?.hostname, 'node-7');
    assert.equal(event.observer?.product, 'Falco');
  });

  test('parses a bare CEF message (no syslog header at all) as user.notice received now', () => {
    const event = parseOne('CEF:0|V|P|1|id|name|3|msg=hi', [cef]);
    assert.equal(event.message, 'hi');
    assert.equal(event.log?.syslog?.priority, 13);
    assert.equal(event.event?.dataset, 'cef.log');
  });
});
