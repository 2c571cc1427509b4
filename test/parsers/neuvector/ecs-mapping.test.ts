import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { audit, event, incident, threat, violation } from './structs.ts';
import { common, edited, inserted, kvBody, parseOne } from './support.ts';

// The ECS side of each dataset (docs/events.md; ECS schemas/event.yml): each case
// builds a struct, changes what the mapping depends on, and states the ECS fields it must give.

interface Case { name: string; body: string; expect: (e: EcsEvent) => void }

const categorisation = (kind: string, category: string[], type: string[], action?: string) => (e: EcsEvent) => {
  assert.equal(e.event?.kind, kind);
  assert.deepEqual(e.event?.category, category);
  assert.deepEqual(e.event?.type, type);
  if (action !== undefined) assert.equal(e.event?.action, action);
};

const cases: Case[] = [
  // Violations
  {
    name: 'a denied violation is a network connection denied alert',
    body: kvBody('violation', edited(violation(), { policy_action: 'deny', level: 'Critical' })),
    expect: categorisation('alert', ['network'], ['connection', 'denied'], 'Network.Violation'),
  },
  {
    name: 'a monitor-mode (violate) violation is a network connection that was allowed',
    body: kvBody('violation', violation()),
    expect: categorisation('alert', ['network'], ['connection', 'allowed']),
  },
  {
    name: 'a violation maps client to source, server and fqdn to destination, ip_proto 17 to udp and the application to protocol',
    body: kvBody('violation', edited(violation(), { ip_proto: '17', applications: '[DNS]', server_port: '53' })),
    expect: (e) => {
      assert.deepEqual(e.source, { address: '10.244.3.17', ip: '10.244.3.17' });
      assert.deepEqual(e.destination, { address: '140.82.121.4', ip: '140.82.121.4', port: 53, domain: 'api.github.com' });
      assert.deepEqual(e.network, { transport: 'udp', iana_number: '17', protocol: 'dns' });
    },
  },
  {
    name: 'policy_id 0 (no rule matched) gives no rule, a policy id gives rule.id',
    body: kvBody('violation', edited(violation(), { policy_id: '10042' })),
    expect: (e) => assert.deepEqual(e.rule, { id: '10042' }),
  },
  {
    name: 'the client container of a violation is container.* and its namespace the orchestrator namespace',
    body: kvBody('violation', violation()),
    expect: (e) => {
      assert.deepEqual(e.container, { id: 'c41f0e9d', name: 'checkout-7b9d6c5f4-qw8zt', image: { name: 'registry.example.com/shop/checkout:2.14.1' } });
      assert.equal(e.orchestrator?.namespace, 'shop');
    },
  },
  {
    name: 'a violation without a message gets a readable summary',
    body: kvBody('violation', violation()),
    expect: (e) => assert.equal(e.message, 'Network violation: checkout-7b9d6c5f4-qw8zt -> external (api.github.com), port 443 SSL, policy action violate'),
  },
  // Threats
  ...([['deny', 'denied'], ['reset', 'denied'], ['alert', 'allowed'], ['allow', 'allowed'], ['', 'info']] as const).map(([action, type]) => ({
    name: `a threat with action "${action}" is an intrusion_detection network alert of type ${type}`,
    body: kvBody('threat', edited(threat(), { action })),
    expect: categorisation('alert', ['intrusion_detection', 'network'], [type], 'SQL.Injection'),
  })),
  {
    name: 'a threat names its rule by threat_id and name, the ruleset by the DLP sensor',
    body: kvBody('threat', edited(threat(), { sensor: 'sensor.creditcard' })),
    expect: (e) => assert.deepEqual(e.rule, { id: '2022', name: 'SQL.Injection', ruleset: 'sensor.creditcard' }),
  },
  {
    name: 'a threat maps client and server ip and port to source and destination',
    body: kvBody('threat', threat()),
    expect: (e) => {
      assert.deepEqual(e.source, { address: '203.0.113.45', ip: '203.0.113.45', port: 51822 });
      assert.deepEqual(e.destination, { address: '10.244.1.23', ip: '10.244.1.23', port: 80 });
      assert.deepEqual(e.network, { transport: 'tcp', iana_number: '6', protocol: 'http' });
    },
  },
  {
    name: 'a threat whose target is the client takes the client side namespace',
    body: kvBody('threat', inserted(edited(threat(), { target: 'client' }), 'client_workload_name', [['client_workload_domain', 'shop']])),
    expect: (e) => assert.equal(e.orchestrator?.namespace, 'shop'),
  },
  {
    name: 'an address that is no IP stays in source.address but not in source.ip',
    body: kvBody('threat', edited(threat(), { client_ip: 'not-an-ip' })),
    expect: (e) => assert.deepEqual(e.source, { address: 'not-an-ip', port: 51822 }),
  },
  // Incidents
  ...([
    ['Process.Profile.Violation', 'process', 'start'],
    ['Container.Suspicious.Process', 'process', 'start'],
    ['Host.Process.Violation', 'process', 'start'],
    ['Host.Privilege.Escalation', 'process', 'change'],
    ['Container.FileAccess.Violation', 'file', 'access'],
    ['Container.Tunnel.Detected', 'network', 'connection'],
    ['Container.Package.Updated', 'package', 'change'],
  ] as const).map(([name, category, type]) => ({
    name: `a ${name} incident is a ${category} ${type} intrusion_detection alert`,
    body: kvBody('incident', edited(incident(), { name })),
    expect: categorisation('alert', [category, 'intrusion_detection'], [type, 'allowed'], name),
  })),
  {
    name: 'a denied incident has type denied',
    body: kvBody('incident', edited(incident(), { action: 'deny', level: 'Critical' })),
    expect: (e) => assert.deepEqual(e.event?.type, ['start', 'denied']),
  },
  {
    name: 'an incident maps proc_* to process.*, the effective user to process.user',
    body: kvBody('incident', incident()),
    expect: (e) => assert.deepEqual(e.process, {
      name: 'java', executable: '/opt/java/openjdk/bin/java', command_line: 'java -jar app.jar',
      parent: { name: 'sh', executable: '/bin/sh' }, user: { id: '1001', name: 'billing' },
    }),
  },
  {
    name: 'an absent uid (0 is omitted by the sender) gives no process.user.id',
    body: kvBody('incident', edited(incident(), { proc_effective_uid: null, proc_effective_user: 'root' })),
    expect: (e) => assert.deepEqual(e.process?.user, { name: 'root' }),
  },
  {
    name: 'a file incident takes file.path and file.name from the first file name',
    body: kvBody('incident', inserted(edited(incident(), { name: 'Container.FileAccess.Violation' }), 'proc_effective_user', [
      ['file_path', '/data/'], ['file_name', '[/data/a b.csv /data/c.csv]'],
    ])),
    expect: (e) => assert.deepEqual(e.file, { path: '/data/a b.csv', name: 'a b.csv' }),
  },
  {
    name: 'an incident gives rule.id from rule_id, the container from workload_* and no event.id of its own',
    body: kvBody('incident', incident()),
    expect: (e) => {
      assert.deepEqual(e.rule, { id: '00000000-0000-0000-0000-000000000000' });
      assert.equal(e.container?.name, 'billing-5d4c3b2a1-zx9wv');
      assert.equal(e.orchestrator?.namespace, 'finance');
      assert.equal(e.event?.id, undefined);
    },
  },
  // Audits
  {
    name: 'a single-CVE scan report fills vulnerability.* and package.*',
    body: kvBody('audit', [
      ...common('Container.Scan.Report'), ['critical_vul_cnt', '0'], ['high_vul_cnt', '1'], ['medium_vul_cnt', '0'],
      ['high_vuls', '[CVE-2024-6119]'], ['message', ''], ['packages', '[openssl]'], ['package_ver', '3.0.11'],
      ['score', '5'], ['score_v3', '7.5'], ['vectors_v3', 'CVSS:3.1/AV:N/AC:L'], ['link', 'https://example.com/CVE-2024-6119'],
      ['description', 'Issue summary: (e.g., TLS clients) may crash'],
    ]),
    expect: (e) => {
      categorisation('state', ['vulnerability'], ['info'], 'Container.Scan.Report')(e);
      assert.deepEqual(e.vulnerability, {
        id: 'CVE-2024-6119', severity: 'High', description: 'Issue summary: (e.g., TLS clients) may crash',
        reference: 'https://example.com/CVE-2024-6119', score: { base: 7.5, version: '3.1' }, scanner: { vendor: 'SUSE' },
      });
      assert.deepEqual(e.package, { name: 'openssl', version: '3.0.11' });
    },
  },
  {
    name: 'a scan report of several CVEs fills no vulnerability.* and says the counts',
    body: kvBody('audit', [
      ...common('Container.Scan.Report'), ['image', 'nginx:1'], ['critical_vul_cnt', '1'], ['high_vul_cnt', '1'], ['medium_vul_cnt', '0'],
      ['critical_vuls', '[CVE-1]'], ['high_vuls', '[CVE-2]'], ['message', ''],
    ]),
    expect: (e) => {
      assert.equal(e.vulnerability, undefined);
      assert.equal(e.message, 'Container.Scan.Report for nginx:1: 1 critical, 1 high, 0 medium vulnerabilities');
    },
  },
  {
    name: 'a failed scan is of type error and says the error',
    body: kvBody('audit', [
      ...edited(common('Registry.Scan.Report'), { level: 'Error' }), ['repository', 'tools/x'], ['tag', 'latest'],
      ['critical_vul_cnt', '0'], ['high_vul_cnt', '0'], ['medium_vul_cnt', '0'], ['message', ''], ['error', 'Failed to read image'],
    ]),
    expect: (e) => {
      assert.deepEqual(e.event?.type, ['error']);
      assert.equal(e.message, 'Registry.Scan.Report for tools/x:latest failed: Failed to read image');
      assert.equal(e.log?.level, 'error');
    },
  },
  {
    name: 'a denied admission request is a denied configuration/api alert that failed, by its user',
    body: kvBody('audit', edited(audit('Admission.Control.Denied'), { level: 'Critical' })),
    expect: (e) => {
      categorisation('alert', ['configuration', 'api'], ['denied'], 'Admission.Control.Denied')(e);
      assert.equal(e.event?.outcome, 'failure');
      assert.deepEqual(e.user, { name: 'jane.doe@example.com' });
      assert.equal(e.orchestrator?.namespace, 'dev');
    },
  },
  {
    name: 'an allowed admission request succeeded, a plain event',
    body: kvBody('audit', audit('Admission.Control.Allowed')),
    expect: (e) => {
      assert.equal(e.event?.kind, 'event');
      assert.deepEqual(e.event?.type, ['allowed']);
      assert.equal(e.event?.outcome, 'success');
    },
  },
  {
    name: 'an admission request a rule only reported (monitor mode) is an allowed alert',
    body: kvBody('audit', audit('Admission.Control.Violation')),
    expect: categorisation('alert', ['configuration', 'api'], ['allowed'], 'Admission.Control.Violation'),
  },
  {
    name: 'a compliance finding is a configuration info state (ECS: compliance with a standard)',
    body: kvBody('audit', audit('Compliance.Container.Violation')),
    expect: categorisation('state', ['configuration'], ['info'], 'Compliance.Container.Violation'),
  },
  // Events
  ...([
    ['User.Login', ['start'], 'success'],
    ['User.Login.Failed', ['start'], 'failure'],
    ['User.Logout', ['end'], undefined],
  ] as const).map(([name, type, outcome]) => ({
    name: `${name} is an authentication ${type[0]} event${outcome ? ` with outcome ${outcome}` : ''}`,
    body: kvBody('event', edited(event(name), { category: 'AUTH' })),
    expect: (e: EcsEvent) => {
      categorisation('event', ['authentication'], [...type], name)(e);
      assert.equal(e.event?.outcome, outcome);
    },
  })),
  {
    name: 'a login names the user, the roles per domain and the source address',
    body: kvBody('event', edited(event('User.Login'), { user_roles: 'map[:reader finance:admin]' })),
    expect: (e) => {
      assert.deepEqual(e.user, { name: 'ops@example.com', roles: ['reader', 'finance:admin'] });
      assert.deepEqual(e.source, { address: '10.0.4.78', ip: '10.0.4.78' });
    },
  },
  {
    name: 'a REST write is an api configuration change with its method and URL',
    body: kvBody('event', inserted(event('RESTful.Write'), 'user_session', [['rest_method', 'PATCH'], ['rest_request', '/v1/rule/1?scope=local']])),
    expect: (e) => {
      categorisation('event', ['api', 'configuration'], ['change'])(e);
      assert.deepEqual(e.http, { request: { method: 'PATCH' } });
      assert.deepEqual(e.url, { original: '/v1/rule/1?scope=local', path: '/v1/rule/1' });
    },
  },
  {
    name: 'a Container.Start activity is a process start with its container',
    body: kvBody('activity', edited(event('Container.Start'), {
      category: 'WORKLOAD', workload_id: 'b7a6c5d4', workload_name: 'nginx-1', workload_domain: 'default', workload_image: 'nginx:1.27',
    })),
    expect: (e) => {
      categorisation('event', ['process'], ['start'], 'Container.Start')(e);
      assert.equal(e.event?.dataset, 'neuvector.activity');
      assert.deepEqual(e.container, { id: 'b7a6c5d4', name: 'nginx-1', image: { name: 'nginx:1.27' } });
    },
  },
  {
    name: 'an enforcer disconnecting is a host end event',
    body: kvBody('event', edited(event('Enforcer.Disconnect'), { category: 'ENFORCER' })),
    expect: categorisation('event', ['host'], ['end']),
  },
  {
    name: 'an event with an empty message takes its name as message, as the controller does',
    body: kvBody('event', edited(event('Crd.Import'), { category: 'CRD', message: '' })),
    expect: (e) => assert.equal(e.message, 'Crd.Import'),
  },
  // Common fields
  {
    name: 'common fields: @timestamp from reported_at, observer, cluster, host, module and dataset',
    body: kvBody('violation', violation()),
    expect: (e) => {
      assert.equal(e['@timestamp'], '2025-06-03T14:07:05.000Z');
      assert.deepEqual(e.observer, { vendor: 'SUSE', product: 'NeuVector' });
      assert.deepEqual(e.orchestrator?.cluster, { name: 'cluster.local' });
      assert.equal(e.orchestrator?.type, 'kubernetes');
      assert.deepEqual(e.host, { hostname: 'worker-3', name: 'worker-3', id: 'worker-3:4C4C4544-0052-3510-8051-B7C04F4D3332' });
      assert.equal(e.event?.module, 'neuvector');
      assert.equal(e.event?.dataset, 'neuvector.violation');
    },
  },
  {
    name: 'an unreadable reported_at falls back to reported_timestamp',
    body: kvBody('violation', edited(violation(), { reported_at: '2025-13-45T99:00:00Z', reported_timestamp: '1700000000' })),
    expect: (e) => assert.equal(e['@timestamp'], '2023-11-14T22:13:20.000Z'),
  },
  {
    name: 'a reported_at with an offset is converted to UTC',
    body: kvBody('violation', edited(violation(), { reported_at: '2025-06-03T16:07:05+02:00' })),
    expect: (e) => assert.equal(e['@timestamp'], '2025-06-03T14:07:05.000Z'),
  },
  {
    name: 'no readable time leaves @timestamp to normalize',
    body: kvBody('violation', edited(violation(), { reported_at: 'soon', reported_timestamp: '' })),
    expect: (e) => assert.equal(e['@timestamp'], undefined),
  },
  ...([
    ['Emergency', 7, 'emergency'], ['Alert', 6, 'alert'], ['Critical', 5, 'critical'], ['Error', 4, 'error'],
    ['Warning', 3, 'warning'], ['Notice', 2, 'notice'], ['Info', 1, 'info'], ['Debug', 0, 'debug'],
  ] as const).map(([level, severity, logLevel]) => ({
    name: `level ${level} is event.severity ${severity} and log.level ${logLevel}`,
    body: kvBody('violation', edited(violation(), { level })),
    expect: (e: EcsEvent) => {
      assert.equal(e.event?.severity, severity);
      assert.equal(e.log?.level, logLevel);
    },
  })),
];

describe('NeuVector ECS mapping', () => {
  for (const c of cases) test(c.name, () => c.expect(parseOne(c.body)));
});
