import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, event, incident, threat, violation } from './structs.ts';
import { common, edited, inserted, kvBody, nativeOf, parseOne } from './support.ts';

// The kv body has no escaping: each case puts a value that holds separators where NeuVector really
// prints one (neuvector/neuvector controller/common/output.go struct2Text; the structs in
// controller/api/log_apis.go), and checks every value comes back exactly as it was put in.

interface Case { name: string; body: string; expect: Record<string, unknown>; absent?: string[] }

const cases: Case[] = [
  {
    name: 'a threat message holding a comma and a second application= stays whole',
    body: kvBody('threat', edited(threat(), { message: 'SQL Injection, application=1001' })),
    expect: { application: 'HTTP', message: 'SQL Injection, application=1001', monitor: false },
  },
  {
    name: 'a threat message holding ,application= without a space stays whole (nothing follows message)',
    body: kvBody('threat', edited(threat(), { message: 'SQL Injection,application=1001,count=2' })),
    expect: { application: 'HTTP', count: 1, message: 'SQL Injection,application=1001,count=2' },
  },
  {
    name: 'a proc_cmd holding ,count=5 (a key of the struct, but not one that may come next) stays whole',
    body: kvBody('incident', edited(incident(), { proc_cmd: 'sh -c x,count=5,message=y' })),
    expect: { proc_cmd: 'sh -c x,count=5,message=y', proc_effective_uid: 1001, count: 1, message: 'Process profile violation' },
  },
  {
    name: 'a Dockerfile cmds value holding ,tag= and && stays whole',
    body: kvBody('audit', [
      ...common('Registry.Scan.Report'), ['repository', 'shop/checkout'], ['tag', '2.14.1'], ['critical_vul_cnt', '0'],
      ['high_vul_cnt', '0'], ['medium_vul_cnt', '0'], ['message', ''], ['image_layer_digest', 'sha256:9f7a'],
      ['cmds', 'RUN go build -ldflags="-s -w",tag=x && apk add ca-certificates=20240226-r0 # buildkit'],
    ]),
    expect: { tag: '2.14.1', cmds: 'RUN go build -ldflags="-s -w",tag=x && apk add ca-certificates=20240226-r0 # buildkit' },
  },
  {
    name: 'a DLP threat group that is a comma-joined list stays one value',
    body: kvBody('threat', edited(threat(), { group: 'nv.orders-api.shop,nv.pci-scope', sensor: 'sensor.creditcard' })),
    expect: { group: 'nv.orders-api.shop,nv.pci-scope', sensor: 'sensor.creditcard', target: 'server' },
  },
  {
    name: 'a threat message with = and < is opaque to the end',
    body: kvBody('threat', edited(threat(), { message: 'mss=48 (<256),count=2' })),
    expect: { message: 'mss=48 (<256),count=2', count: 1 },
  },
  {
    name: "an admission workload_image that is a ', '-joined image list stays one value",
    body: kvBody('audit', edited(audit('Admission.Control.Violation'), { workload_image: 'busybox:1.36, docker.io/library/redis:7.2.5' })),
    expect: { workload_image: 'busybox:1.36, docker.io/library/redis:7.2.5', high_vul_cnt: 3 },
  },
  {
    name: 'a rest_body of compact JSON with commas, colons and >= stays whole',
    body: kvBody('event', inserted(event('RESTful.Write'), 'user_session', [
      ['rest_method', 'PATCH'], ['rest_request', '/v1/response/rule/1003?scope=local'],
      ['rest_body', '{"config":{"id":1003,"comment":"page, severity >= high","actions":["webhook","quarantine"]}}'],
    ])),
    expect: {
      rest_body: '{"config":{"id":1003,"comment":"page, severity >= high","actions":["webhook","quarantine"]}}',
      rest_request: '/v1/response/rule/1003?scope=local', message: 'Configure response rule 1003',
    },
  },
  {
    name: 'a proc_cmd with commas, =, quotes, brackets and % stays whole',
    body: kvBody('incident', edited(incident(), {
      proc_cmd: 'java -Dspring.profiles.active=prod,eu-west -Dapp.banner="Zoë\'s Café, v2 = stable" --flags=[beta,dark-launch] %d{HH:mm}',
    })),
    expect: {
      proc_cmd: 'java -Dspring.profiles.active=prod,eu-west -Dapp.banner="Zoë\'s Café, v2 = stable" --flags=[beta,dark-launch] %d{HH:mm}',
      proc_effective_uid: 1001,
    },
  },
  {
    name: 'a proc_cmd holding ,b=2 (a key-shaped word that is no expected key) stays whole',
    body: kvBody('incident', edited(incident(), { proc_cmd: 'curl https://[2001:db8::1]:8443/api?a=1,b=2,user=x' })),
    expect: { proc_cmd: 'curl https://[2001:db8::1]:8443/api?a=1,b=2,user=x', proc_effective_uid: 1001 },
  },
  {
    name: 'compliance items are split before each "<test> <LEVEL> - "',
    body: kvBody('audit', inserted(edited(audit('Compliance.Container.Violation'), {
      message: '', user: null, aggregation_from: null, count: null,
    }), 'message', [['items', "[D.5.4 WARN - Ensure that privileged containers are not used D.5.12 HIGH - Ensure the container's root filesystem is read only - really custom/check-1 WARN - Total 3 files]"]])),
    expect: {
      message: '',
      items: [
        'D.5.4 WARN - Ensure that privileged containers are not used',
        "D.5.12 HIGH - Ensure the container's root filesystem is read only - really",
        'custom/check-1 WARN - Total 3 files',
      ],
    },
  },
  {
    name: 'file names holding spaces, a comma and CJK are split at each absolute path',
    body: kvBody('incident', edited(inserted(incident(), 'proc_effective_user', [
      ['file_path', '/data/exports/'], ['file_name', '[/data/exports/報告 2025-Q2.csv /data/exports/summary, final.xlsx]'],
    ]), { proc_effective_uid: null })),
    expect: { file_path: '/data/exports/', file_name: ['/data/exports/報告 2025-Q2.csv', '/data/exports/summary, final.xlsx'] },
    absent: ['proc_effective_uid'],
  },
  {
    name: 'a multi-line message (raw LF from a ConfigMap/CRD event) runs to the end of the body',
    body: kvBody('event', edited(event('Crd.Error'), {
      message: 'Custom Resources deleted :\n.  nv.web in namespace shop: rule name "allow, all" invalid\n.  path=/usr/bin/* must be absolute',
    })),
    expect: { message: 'Custom Resources deleted :\n.  nv.web in namespace shop: rule name "allow, all" invalid\n.  path=/usr/bin/* must be absolute' },
  },
  {
    name: 'host_id and endpoint names holding IPv6 colons stay whole',
    body: kvBody('violation', edited(violation(), {
      host_id: 'worker-3:4C4C4544-0052-3510-8051-B7C04F4D3332', client_id: 'Workload:fd00:10:244:1::1f',
      client_name: 'Workload:fd00:10:244:1::1f', client_ip: 'fd00:10:244:1::1f', server_ip: 'fd00:10:244:2::b',
    })),
    expect: {
      host_id: 'worker-3:4C4C4544-0052-3510-8051-B7C04F4D3332', client_id: 'Workload:fd00:10:244:1::1f',
      client_ip: 'fd00:10:244:1::1f', server_ip: 'fd00:10:244:2::b',
    },
  },
  {
    name: 'empty values (older versions print every key) stay empty strings, and empty numbers are left out',
    body: kvBody('incident', edited(inserted(incident(), 'proc_effective_user', [
      ['client_ip', ''], ['server_ip', ''], ['client_port', ''], ['ip_proto', ''],
    ]), { proc_effective_uid: '', group: '' })),
    expect: { client_ip: '', server_ip: '', group: '', rule_id: '00000000-0000-0000-0000-000000000000' },
    absent: ['proc_effective_uid', 'client_port', 'ip_proto'],
  },
  {
    name: 'omitted optional keys are absent and the keys after them are still found',
    body: kvBody('violation', edited(violation(), { client_domain: null, client_image: null, client_service: null })),
    expect: { client_name: 'checkout-7b9d6c5f4-qw8zt', server_id: 'external', server_port: 443 },
    absent: ['client_domain', 'client_image', 'client_service'],
  },
  {
    name: 'a host incident without any workload keys reads its process keys',
    body: kvBody('incident', edited(inserted(incident(), 'proc_effective_uid', [['proc_real_user', 'ec2-user']]), {
      workload_id: null, workload_name: null, workload_domain: null, workload_image: null, workload_service: null,
    })),
    expect: { id: '4a7c1e9b-2d3f-4e5a-8b6c-7d8e9f0a1b2c', proc_name: 'java', proc_real_user: 'ec2-user', proc_effective_user: 'billing' },
    absent: ['workload_id', 'workload_name'],
  },
  {
    name: 'an audit message in the middle of the struct ends at the optional user= after it',
    body: kvBody('audit', edited(audit('Admission.Control.Denied'), {
      message: 'Creation of Deployment (x) is denied, criteria: (count of high >= 10), user=nobody',
    })),
    expect: {
      message: 'Creation of Deployment (x) is denied, criteria: (count of high >= 10), user=nobody',
      user: 'jane.doe@example.com', count: 3,
    },
  },
  {
    name: 'a required key that is missing does not stop the keys after it being read',
    body: kvBody('violation', edited(violation(), { sessions: null })),
    expect: { servers: [], policy_action: 'violate', nbe: false },
    absent: ['sessions'],
  },
  {
    name: 'an unknown key after a number or boolean is kept as a string field',
    body: kvBody('violation', [...violation(), ['future_key', 'a,b']]),
    expect: { nbe: false, future_key: 'a,b' },
  },
  {
    name: 'an unknown key after a string value stays inside it, and the keys after it are still read',
    body: kvBody('violation', edited(violation(), { fqdn: 'api.github.com,future=1' })),
    expect: { fqdn: 'api.github.com,future=1', xff: false, nbe: false },
    absent: ['future'],
  },
  {
    name: 'the -=map[] field of pre-5.1.1 controllers is skipped',
    body: kvBody('audit', [...audit('Container.Scan.Report').slice(0, -3), ['-', 'map[]'], ['user', 'x']]),
    expect: { message: 'Creation of Kubernetes Pod resource (cache-0) is allowed.', user: 'x' },
    absent: ['-'],
  },
  {
    name: 'user_roles with the empty global-domain key becomes domain/role pairs',
    body: kvBody('event', edited(event('User.Login'), { user_roles: 'map[:reader finance:admin shop:admin]' })),
    expect: { user_roles: [{ domain: '', role: 'reader' }, { domain: 'finance', role: 'admin' }, { domain: 'shop', role: 'admin' }] },
  },
  {
    name: 'user_roles=map[] (a nil map) is an empty list',
    body: kvBody('event', edited(event('Enforcer.Disconnect'), { user_roles: 'map[]' })),
    expect: { user_roles: [] },
  },
  {
    name: 'numbers, floats, booleans and lists are typed; pub_date and cvedb_version stay strings as Go declares them',
    body: kvBody('audit', [
      ...common('Container.Scan.Report'), ['critical_vul_cnt', '0'], ['high_vul_cnt', '1'], ['medium_vul_cnt', '0'],
      ['high_vuls', '[CVE-2024-6119]'], ['cvedb_version', '3.942'], ['message', ''], ['packages', '[openssl]'],
      ['score', '7.5'], ['score_v3', '9.8'], ['pub_date', '1725462000'],
    ]),
    expect: {
      reported_timestamp: 1748959625, high_vul_cnt: 1, high_vuls: ['CVE-2024-6119'], cvedb_version: '3.942',
      packages: ['openssl'], score: 7.5, score_v3: 9.8, pub_date: '1725462000',
    },
  },
];

describe('NeuVector kv body', () => {
  for (const c of cases) {
    test(c.name, () => {
      const native = nativeOf(c.body);
      for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(native[key], value, key);
      for (const key of c.absent ?? []) assert.ok(!Object.hasOwn(native, key), `${key} should be absent`);
    });
  }

  test('an unknown notification type keeps the common fields, splits the rest at any key, and is a neuvector.log event', () => {
    const event = parseOne(kvBody('compliance', [...common('Some.New.Thing'), ['new_field', 'x'], ['message', 'hello, world']]));
    assert.equal(event.event?.dataset, 'neuvector.log');
    const native = event.neuvector as Record<string, unknown>;
    assert.equal(native.notification, 'compliance');
    assert.equal(native.host_name, 'worker-3');
    assert.equal(native.new_field, 'x');
    assert.equal(native.message, 'hello, world');
  });
});
