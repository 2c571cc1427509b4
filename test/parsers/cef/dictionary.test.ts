import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cef } from '../../../parsers/cef/index.ts';
import { CEF_KEYS } from '../../../parsers/cef/dictionary.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';

// The layout Elastic's CEF integration produces (decode_cef with full extension names), written
// from the Key Names table of "Implementing ArcSight CEF" (Revision 25).

const RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');
const HEADER = 'CEF:0|Acme|NGFW|9.1|100101|Connection|5|';

function parse(extension: string): EcsEvent {
  const result = cef.parse(HEADER + extension, { receivedAt: RECEIVED_AT });
  assert.ok(result.ok, JSON.stringify(result));
  return result.events[0];
}

const extensionsOf = (event: EcsEvent) => (event.cef as { extensions: Record<string, unknown> }).extensions;

describe('CEF extension dictionary', () => {
  test('stores short keys under their full dictionary names', () => {
    const ext = extensionsOf(parse('act=drop app=HTTPS cat=/Firewall dhost=db duser=root dvchost=fw1 fname=a.exe msg=hi '
      + 'outcome=failure proto=TCP request=https://x shost=ws suser=alice cs6Label=l cs6=v cn3Label=n flexString2=f'));
    assert.deepEqual(ext, {
      deviceAction: 'drop', applicationProtocol: 'HTTPS', deviceEventCategory: '/Firewall', destinationHostName: 'db',
      destinationUserName: 'root', deviceHostName: 'fw1', filename: 'a.exe', message: 'hi', eventOutcome: 'failure',
      transportProtocol: 'TCP', requestUrl: 'https://x', sourceHostName: 'ws', sourceUserName: 'alice',
      deviceCustomString6Label: 'l', deviceCustomString6: 'v', deviceCustomNumber3Label: 'n', flexString2: 'f',
    });
  });

  test('types the values: integers and longs as numbers, floating points, IPs, timestamps as ISO 8601 UTC', () => {
    const ext = extensionsOf(parse('spt=51514 dpt=443 in=10 out=20 cnt=2 dvcpid=7 fsize=99 type=1 deviceDirection=0 '
      + 'eventId=42 cn1=-3 cfp2=1.5 slat=52.37 src=10.0.0.1 dst=2001:db8::1 c6a2=2001:db8::2 dvc=192.0.2.1 '
      + 'rt=1741944413589 start=Mar 14 2025 10:26:53 +01:00 end=Mar 14 2025 09:27:00 UTC art=1741944413600 '
      + 'deviceCustomDate2=Mar 14 2025 09:00:00 fileCreateTime=1741944000000 mrt=1741944413700'));
    assert.deepEqual(ext, {
      sourcePort: 51514, destinationPort: 443, bytesIn: 10, bytesOut: 20, baseEventCount: 2, deviceProcessId: 7,
      fileSize: 99, type: 1, deviceDirection: 0, eventId: 42, deviceCustomNumber1: -3, deviceCustomFloatingPoint2: 1.5,
      sourceGeoLatitude: 52.37, sourceAddress: '10.0.0.1', destinationAddress: '2001:db8::1',
      deviceCustomIPv6Address2: '2001:db8::2', deviceAddress: '192.0.2.1',
      deviceReceiptTime: '2025-03-14T09:26:53.589Z', startTime: '2025-03-14T09:26:53Z', endTime: '2025-03-14T09:27:00Z',
      agentReceiptTime: '2025-03-14T09:26:53.600Z', deviceCustomDate2: '2025-03-14T09:00:00Z',
      fileCreateTime: '2025-03-14T09:20:00.000Z', managerReceiptTime: '2025-03-14T09:26:53.700Z',
    });
  });

  test('a key sent under its full name is typed and mapped like its short key', () => {
    const short = parse('src=10.0.0.1 dpt=443 rt=1741944413589 msg=m act=a');
    const full = parse('sourceAddress=10.0.0.1 destinationPort=443 deviceReceiptTime=1741944413589 message=m deviceAction=a');
    for (const field of ['cef', 'source', 'destination', '@timestamp', 'message', 'event'] as const) {
      assert.deepEqual(full[field], short[field], field);
    }
  });

  test('leaves out values that are not of their type, and empty values', () => {
    const ext = extensionsOf(parse('src=host-a dst=10.0.0.300 spt=http cn1=1.5 cfp1=abc rt=yesterday c6a1=fe80::zz '
      + 'deviceDirection= eventId=99999999999999999999 suser='));
    assert.deepEqual(ext, {});
  });

  test('keeps keys outside the dictionary as strings under their own names', () => {
    const ext = extensionsOf(parse('TrendMicroDsTenant=Primary ad.loginName=bob cs1=x rule_uid=9e5e eventId=5 custom=12'));
    assert.deepEqual(ext, { TrendMicroDsTenant: 'Primary', 'ad.loginName': 'bob', deviceCustomString1: 'x', rule_uid: '9e5e', eventId: 5, custom: '12' });
  });

  test('every short key names one full name, and every full name names itself', () => {
    const names = new Map<string, string>();
    for (const [key, { name }] of CEF_KEYS) {
      assert.equal(CEF_KEYS.get(name)?.name, name, `${name} is a key too`);
      if (key !== name) {
        assert.ok(!names.has(key), `${key} twice`);
        names.set(key, name);
      }
    }
    assert.ok(names.size >= 60, `${names.size} short keys`);
  });
});

describe('CEF extensions → ECS', () => {
  test('deviceDirection 0/1 is network.direction inbound/outbound; other values map nothing', () => {
    assert.equal(parse('deviceDirection=0').network?.direction, 'inbound');
    assert.equal(parse('deviceDirection=1').network?.direction, 'outbound');
    assert.equal(parse('deviceDirection=2').network, undefined);
  });

  test('deviceProcessName and deviceProcessId are process.name/pid; dproc stands in when deviceProcessName is absent', () => {
    assert.deepEqual(parse('deviceProcessName=sshd dvcpid=4123 dproc=bash').process, { name: 'sshd', pid: 4123 });
    assert.deepEqual(parse('dproc=bash').process, { name: 'bash' });
  });

  test('the Device Event Class ID is event.code, as Elastic maps it', () => {
    assert.equal(parse('').event?.code, '100101');
  });

  test('start/end are event.start/end; proto, app and the request are network.*, url.*, http.*, user_agent.*', () => {
    const event = parse('start=1741944400000 end=1741944413589 proto=UDP app=DNS requestMethod=GET request=https://x/ requestClientApplication=curl/8');
    assert.equal(event.event?.start, '2025-03-14T09:26:40.000Z');
    assert.equal(event.event?.end, '2025-03-14T09:26:53.589Z');
    assert.deepEqual(event.network, { transport: 'udp', protocol: 'dns' });
    assert.deepEqual(event.http, { request: { method: 'GET' } });
    assert.deepEqual(event.url, { original: 'https://x/' });
    assert.deepEqual(event.user_agent, { original: 'curl/8' });
    assert.deepEqual(parse('proto=6').network, { iana_number: '6' }, 'a protocol number is no transport name');
  });

  const categories: [string, string, string[], string[]][] = [
    ['network for addresses and ports', 'src=10.0.0.1 dpt=443', ['network'], ['info']],
    ['network for bytes alone', 'in=10', ['network'], ['info']],
    ['not network for a user name alone', 'suser=alice', ['intrusion_detection'], ['info']],
    ['file for a file', 'fname=a.exe fileHash=abc', ['file'], ['info']],
    ['process for the subject process (dproc), not the device\'s own (deviceProcessName)', 'dproc=bash', ['process'], ['info']],
    ['no process category for the device\'s process', 'deviceProcessName=flowd', ['intrusion_detection'], ['info']],
    ['web for a request', 'request=https://x/', ['web'], ['info']],
    ['several at once', 'src=10.0.0.1 request=https://x/ fname=a', ['network', 'file', 'web'], ['info']],
    ['intrusion_detection when the event names none of them', 'cs1=x', ['intrusion_detection'], ['info']],
    ['type allowed for an accepting action', 'src=10.0.0.1 act=Accept', ['network'], ['allowed']],
    ['type denied for a blocking action', 'src=10.0.0.1 act=blocked', ['network'], ['denied']],
    ['type info for any other action', 'src=10.0.0.1 act=alert', ['network'], ['info']],
  ];
  for (const [name, extension, category, type] of categories) {
    test(`event.category: ${name}`, () => {
      const event = parse(extension);
      assert.deepEqual(event.event?.category, category);
      assert.deepEqual(event.event?.type, type);
    });
  }
});
