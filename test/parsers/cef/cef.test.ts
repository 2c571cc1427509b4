import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cef } from '../../../parsers/cef/index.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { cefSeverity } from '../../../parsers/cef/severity.ts';
import { cefTime } from '../../../parsers/cef/timestamp.ts';

const RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');

function parse(text: string): EcsEvent {
  const result = cef.parse(text, { receivedAt: RECEIVED_AT });
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.events.length, 1);
  return result.events[0];
}

const HEADER = 'CEF:0|Acme|IDS|2.1|sig-42|Port scan|8|';

describe('CEF claims', () => {
  const cases: [string, string, boolean][] = [
    ['claims a MSG that starts with CEF:', 'CEF:0|a|b|c|d|e|1|', true],
    ['claims after leading spaces', '   CEF:0|a', true],
    ['does not claim CEF: later in the text', 'host CEF:0|a', false],
    ['does not claim a lower-case prefix', 'cef:0|a', false],
    ['does not claim a NeuVector body', 'notification=violation,level=Warning', false],
    ['does not claim an empty MSG', '', false],
  ];
  for (const [name, msg, expected] of cases) test(name, () => assert.equal(cef.claims!(msg, {}), expected));
});

describe('CEF → ECS', () => {
  test('keeps the record under cef.* as Elastic names it', () => {
    const event = parse(`${HEADER}src=10.0.0.1 cnt=3 cs1Label=zone cs1=dmz`);
    assert.deepEqual(event.cef, {
      version: '0',
      device: { vendor: 'Acme', product: 'IDS', version: '2.1', event_class_id: 'sig-42' },
      name: 'Port scan',
      severity: '8',
      extensions: { sourceAddress: '10.0.0.1', baseEventCount: 3, deviceCustomString1Label: 'zone', deviceCustomString1: 'dmz' },
    });
  });

  test('maps the header to observer.*, rule.*, event.* and the severity to event.severity/log.level', () => {
    const event = parse(HEADER);
    assert.deepEqual(event.observer, { vendor: 'Acme', product: 'IDS', version: '2.1' });
    assert.deepEqual(event.rule, { id: 'sig-42', name: 'Port scan' });
    assert.deepEqual(event.event, {
      kind: 'event', module: 'cef', dataset: 'cef.log', code: 'sig-42', severity: 4, category: ['intrusion_detection'], type: ['info'],
    });
    assert.deepEqual(event.log, { level: 'error' });
    assert.equal(event.message, 'Port scan', 'message falls back to cef.name');
    assert.equal(event['@timestamp'], undefined, 'no rt: the envelope or normalize supplies the time');
  });

  test('maps the extension keys Elastic maps to ECS', () => {
    const event = parse(`${HEADER}src=10.0.0.1 spt=51514 dst=2001:db8::9 dpt=443 suser=alice duser=root `
      + 'shost=ws1.example.com dhost=db.example.com dvchost=sensor-1 msg=scan seen act=blocked outcome=Success '
      + 'dproc=nmap fname=x.exe filePath=C:\\\\tmp\\\\x.exe request=https://example.com/?q\\=1 rt=1741944413589');
    assert.deepEqual(event.source, { ip: '10.0.0.1', port: 51514, domain: 'ws1.example.com', user: { name: 'alice' } });
    assert.deepEqual(event.destination, { ip: '2001:db8::9', port: 443, domain: 'db.example.com', user: { name: 'root' } });
    assert.equal(event.observer?.hostname, 'sensor-1');
    assert.equal(event.message, 'scan seen');
    assert.equal(event.event?.action, 'blocked');
    assert.equal(event.event?.outcome, 'success');
    assert.deepEqual(event.process, { name: 'nmap' });
    assert.deepEqual(event.file, { name: 'x.exe', path: 'C:\\tmp\\x.exe' });
    assert.deepEqual(event.url, { original: 'https://example.com/?q=1' });
    assert.equal(event['@timestamp'], '2025-03-14T09:26:53.589Z');
  });

  test('maps only what ECS types accept: IPs, ports 0-65535, outcome success/failure', () => {
    const event = parse(`${HEADER}src=not-an-ip spt=70000 dst=10.0.0.2 dpt=-1 outcome=blocked shost= act=`);
    assert.equal(event.source, undefined);
    assert.deepEqual(event.destination, { ip: '10.0.0.2' });
    assert.equal(event.event?.outcome, undefined);
    assert.equal(event.event?.action, undefined);
    const extensions = (event.cef as { extensions: Record<string, unknown> }).extensions;
    assert.equal('sourceAddress' in extensions, false, 'an ip-typed key holding no address is left out (event.original keeps it)');
    assert.equal(extensions.sourcePort, 70000, 'an integer stays in cef.extensions; only source.port needs 0-65535');
    assert.equal('sourceHostName' in extensions, false, 'empty values are left out, as decode_cef does');
  });

  test('types numeric extension keys and leaves out values that are no numbers', () => {
    const extensions = (parse(`${HEADER}cnt=12 spt=80 dpt=x cn1=-5 cn2=9223372036854775807 cn3=9223372036854775808 cfp1=2.5 cs1=007`).cef as
      { extensions: Record<string, unknown> }).extensions;
    assert.equal(extensions.baseEventCount, 12);
    assert.equal(extensions.sourcePort, 80);
    assert.equal('destinationPort' in extensions, false);
    assert.equal(extensions.deviceCustomNumber1, -5);
    assert.equal(JSON.stringify(extensions.deviceCustomNumber2), '9223372036854775807', 'every digit of a long survives');
    assert.equal('deviceCustomNumber3' in extensions, false, 'beyond a signed 64-bit long: Elasticsearch would reject the event');
    assert.equal(extensions.deviceCustomFloatingPoint1, 2.5);
    assert.equal(extensions.deviceCustomString1, '007', 'string keys stay strings');
  });

  test('keeps a __proto__ extension key as a plain field', () => {
    const extensions = (parse(`${HEADER}__proto__=x polluted=1`).cef as { extensions: Record<string, unknown> }).extensions;
    assert.deepEqual(Object.keys(extensions), ['__proto__', 'polluted']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('decodes the escaping sample: header and extension escapes', () => {
    const text = readFileSync(new URL('../../../fixtures/syslog/cef-escaping.txt', import.meta.url), 'utf8');
    const event = parse(text);
    assert.deepEqual(event.observer, { vendor: 'Acme|Corp', product: 'Sensor\\X', version: '1.0' });
    assert.deepEqual(event.rule, { id: '100|200', name: 'Name with = sign and | pipe' });
    assert.equal(event.message, 'key=value a|b pipe needs no escape here backslash\\ newline\nsecond line');
    assert.deepEqual(event.file, { path: 'C:\\Windows\\Temp\\x.exe' });
  });

  test('skips leading spaces and an unknown prefix before CEF:', () => {
    assert.equal(parse('  CEF:0|V|P|1|id|n|5|act=a').event?.action, 'a');
    assert.equal(parse('Mar 14 10:12:13 host CEF:0|V|P|1|id|n|5|act=b').event?.action, 'b');
  });

  const failures: [string, string, RegExp][] = [
    ['fails on text without CEF:', 'hello', /no "CEF:" prefix/],
    ['fails on a header with fewer than seven fields', 'CEF:0|V|P|1|id', /5 of 7 fields/],
  ];
  for (const [name, text, reason] of failures) {
    test(name, () => {
      const result = cef.parse(text, { receivedAt: RECEIVED_AT });
      assert.ok(!result.ok);
      assert.match(result.reason, reason);
    });
  }
});

describe('CEF severity', () => {
  const cases: [string, string | undefined][] = [
    ['0', 'notice'], ['3', 'notice'], ['4', 'warning'], ['6', 'warning'], ['7', 'error'], ['8', 'error'],
    ['9', 'critical'], ['10', 'critical'], ['Low', 'notice'], ['medium', 'warning'], ['HIGH', 'error'],
    ['Very-High', 'critical'], ['Unknown', undefined], ['11', undefined], ['-1', undefined], ['5.5', undefined],
    ['', undefined], ['constructor', undefined],
  ];
  for (const [text, level] of cases) {
    test(`maps ${JSON.stringify(text)} to ${level ?? 'no severity'}`, () => assert.equal(cefSeverity(text)?.level, level));
  }
  test('sets event.severity on the one scale (7 - syslog code)', () => {
    assert.equal(cefSeverity('9')?.severity, 5);
    assert.equal(cefSeverity('2')?.severity, 2);
  });
});

describe('CEF rt', () => {
  const cases: [string, string, string | undefined][] = [
    ['reads epoch milliseconds', '1741944413589', '2025-03-14T09:26:53.589Z'],
    ['reads epoch milliseconds on a whole second', '1741944413000', '2025-03-14T09:26:53.000Z'],
    ['reads MMM dd yyyy HH:mm:ss as UTC', 'Mar 14 2025 09:26:53', '2025-03-14T09:26:53Z'],
    ['keeps milliseconds of the date form', 'Mar 14 2025 09:26:53.589', '2025-03-14T09:26:53.589Z'],
    ['applies a UTC zone name', 'Mar 14 2025 09:26:53 UTC', '2025-03-14T09:26:53Z'],
    ['applies a numeric zone', 'Mar 14 2025 10:26:53 +01:00', '2025-03-14T09:26:53Z'],
    ['applies a numeric zone without colon', 'Mar 14 2025 04:26:53.5 -0500', '2025-03-14T09:26:53.5Z'],
    ['refuses a zone name it cannot place', 'Mar 14 2025 09:26:53 CET', undefined],
    ['refuses free text', 'yesterday', undefined],
    ['refuses an epoch beyond the Date range', '9999999999999999', undefined],
  ];
  for (const [name, value, expected] of cases) test(name, () => assert.equal(cefTime(value, RECEIVED_AT), expected));
});
