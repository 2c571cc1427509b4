import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAPPED_NAMES, attackOf } from '../../../parsers/neuvector/attack.ts';
import { TACTICS, TECHNIQUES } from '../../../parsers/kit/mitre-attack.ts';
import { audit, event, incident, threat, violation } from './structs.ts';
import { edited, inserted, kvBody, parseOne } from './support.ts';

// What vigil adds to NeuVector's own fields: MITRE ATT&CK for threats and incidents, and the pod
// and its owner for workloads in Kubernetes.

test('a SQL injection threat is ATT&CK T1190, Initial Access, with names', () => {
  assert.deepEqual(parseOne(kvBody('threat', threat())).threat, {
    framework: 'MITRE ATT&CK',
    tactic: { id: ['TA0001'], name: ['Initial Access'] },
    technique: { id: ['T1190'], name: ['Exploit Public-Facing Application'] },
  });
});

test('a SYN flood carries its sub-technique too', () => {
  assert.deepEqual(parseOne(kvBody('threat', edited(threat(), { name: 'TCP.SYN.Flood' }))).threat, {
    framework: 'MITRE ATT&CK',
    tactic: { id: ['TA0040'], name: ['Impact'] },
    technique: { id: ['T1499'], name: ['Endpoint Denial of Service'], subtechnique: { id: ['T1499.001'], name: ['OS Exhaustion Flood'] } },
  });
});

for (const name of ['SSL.TLS1.0', 'TCP.Split.Handshake', 'DLP.sensor.creditcard.rule.visa', 'WAF.#40001', '#2099']) {
  test(`threat ${name} has no sound ATT&CK mapping and gets no threat.*`, () => {
    assert.equal(parseOne(kvBody('threat', edited(threat(), { name }))).threat, undefined);
  });
}

test('a tunnel incident is T1572 Protocol Tunneling, Command and Control', () => {
  assert.deepEqual(parseOne(kvBody('incident', edited(incident(), { name: 'Container.Tunnel.Detected' }))).threat, {
    framework: 'MITRE ATT&CK',
    tactic: { id: ['TA0011'], name: ['Command and Control'] },
    technique: { id: ['T1572'], name: ['Protocol Tunneling'] },
  });
});

test('a privilege escalation incident names the tactic only: NeuVector does not say how', () => {
  assert.deepEqual(parseOne(kvBody('incident', edited(incident(), { name: 'Container.Privilege.Escalation' }))).threat, {
    framework: 'MITRE ATT&CK', tactic: { id: ['TA0004'], name: ['Privilege Escalation'] },
  });
});

test('a process profile violation is a deviation from a learned profile, not a technique', () => {
  assert.equal(parseOne(kvBody('incident', incident())).threat, undefined);
});

test('a threat name is not looked up as an incident name, and the reverse', () => {
  assert.equal(attackOf('incident', 'SQL.Injection'), undefined);
  assert.equal(attackOf('threat', 'Container.Tunnel.Detected'), undefined);
});

// The names NeuVector sends (LogThreatMap and LogIncidentMap; the docs' response rule criteria).
const NEUVECTOR_THREATS = new Set(('TCP.SYN.Flood ICMP.Flood Source.IP.Session.Limit Invalid.Packet.Format IP.Fragment.Teardrop ' +
  'TCP.SYN.With.Data TCP.Split.Handshake TCP.No.Client.Data TCP.Small.Window TCP.SACK.DDoS.With.Small.MSS Ping.Death ' +
  'DNS.Loop.Pointer SSH.Version.1 SSL.Heartbleed SSL.Cipher.Overflow SSL.Version.2or3 SSL.TLS1.0 SSL.TLS1.1 ' +
  'HTTP.Negative.Body.Length HTTP.Request.Smuggling HTTP.Request.Slowloris DNS.Stack.Overflow MySQL.Access.Deny ' +
  'DNS.Zone.Transfer ICMP.Tunneling DNS.Type.Null SQL.Injection Apache.Struts.Remote.Code.Execution DNS.Tunneling ' +
  'K8S.externalIPs.MitM').split(' '));
const NEUVECTOR_INCIDENTS = new Set(('Host.Privilege.Escalation Container.Privilege.Escalation Host.Suspicious.Process ' +
  'Container.Suspicious.Process Host.FileAccess.Violation Container.FileAccess.Violation Host.Package.Updated ' +
  'Container.Package.Updated Host.Tunnel.Detected Container.Tunnel.Detected Process.Profile.Violation Host.Process.Violation').split(' '));

test('the table maps only names NeuVector sends', () => {
  for (const name of MAPPED_NAMES.threat) assert.ok(NEUVECTOR_THREATS.has(name), name);
  for (const name of MAPPED_NAMES.incident) assert.ok(NEUVECTOR_INCIDENTS.has(name), name);
});

test('every mapping has a tactic, and every id a name in the shared table, paired by position', () => {
  for (const [dataset, names] of Object.entries(MAPPED_NAMES) as ['threat' | 'incident', readonly string[]][]) {
    for (const name of names) {
      const t = attackOf(dataset, name)!;
      assert.ok(t.tactic?.id?.length, name);
      assert.deepEqual(t.tactic!.name, t.tactic!.id!.map((id) => TACTICS.get(id)), name);
      if (t.technique) {
        assert.deepEqual(t.technique.name, t.technique.id!.map((id) => TECHNIQUES.get(id)), name);
        for (const sub of t.technique.subtechnique?.id ?? []) {
          assert.ok(t.technique.id!.includes(sub.slice(0, 5)), `${name}: ${sub} under its technique`);
          assert.ok(TECHNIQUES.has(sub), sub);
        }
      }
    }
  }
});

test('each event gets its own threat object (a sink that edits one cannot change the next)', () => {
  const a = attackOf('threat', 'SQL.Injection')!;
  a.tactic!.id!.push('TA0002');
  assert.deepEqual(attackOf('threat', 'SQL.Injection')!.tactic!.id, ['TA0001']);
});

// Pods and owners

test('a violation from a Deployment pod names the pod, its ReplicaSet and Deployment', () => {
  const e = parseOne(kvBody('violation', violation()));
  assert.deepEqual(e.orchestrator?.resource, { name: 'checkout-7b9d6c5f4-qw8zt', type: 'pod', parent: { type: 'Deployment' } });
  assert.deepEqual(e.kubernetes, {
    pod: { name: 'checkout-7b9d6c5f4-qw8zt' }, namespace: 'shop',
    replicaset: { name: 'checkout-7b9d6c5f4' }, deployment: { name: 'checkout' },
  });
  assert.equal(e.neuvector && (e.neuvector as Record<string, unknown>).client_name, 'checkout-7b9d6c5f4-qw8zt', 'the native field stays');
});

test('a threat against a StatefulSet pod without an image (not a container to NeuVector) still names the pod', () => {
  const e = parseOne(kvBody('threat', threat()));
  assert.deepEqual(e.orchestrator?.resource, { name: 'wordpress-0', type: 'pod', parent: { type: 'StatefulSet' } });
  assert.deepEqual(e.kubernetes, { pod: { name: 'wordpress-0' }, namespace: 'blog', statefulset: { name: 'wordpress' } });
});

test('a CronJob pod in an incident names its Job and CronJob', () => {
  const e = parseOne(kvBody('incident', edited(incident(), { workload_name: 'backup-29146080-b2x7q' })));
  assert.deepEqual(e.orchestrator?.resource?.parent, { type: 'CronJob' });
  assert.deepEqual(e.kubernetes, { pod: { name: 'backup-29146080-b2x7q' }, namespace: 'finance', job: { name: 'backup-29146080' }, cronjob: { name: 'backup' } });
});

test('a DaemonSet pod in a container event', () => {
  const e = parseOne(kvBody('event', edited(event('Container.Start'), {
    workload_id: 'aa11', workload_name: 'fluent-bit-x2k9z', workload_domain: 'logging', workload_image: 'fluent/fluent-bit:3.0',
  })));
  assert.deepEqual(e.orchestrator?.resource, { name: 'fluent-bit-x2k9z', type: 'pod', parent: { type: 'DaemonSet' } });
  assert.deepEqual(e.kubernetes, { pod: { name: 'fluent-bit-x2k9z' }, namespace: 'logging', daemonset: { name: 'fluent-bit' } });
});

test('a pod-shaped name outside any namespace is not taken for a pod (a host, a plain container)', () => {
  const e = parseOne(kvBody('incident', edited(incident(), { workload_name: 'ip-10-0-12-34', workload_domain: null })));
  assert.equal(e.orchestrator?.resource, undefined);
  assert.equal(e.kubernetes, undefined);
});

test('host, external and nv. group endpoints get no pod', () => {
  const e = parseOne(kvBody('violation', edited(violation(), {
    client_id: 'Host:worker-3', client_name: 'Host:ip-10-0-12-34.eu-west-1.compute.internal', client_domain: null,
    client_image: null, client_service: null, server_name: 'nv.ip.kube-dns.kube-system',
  })));
  assert.equal(e.orchestrator?.resource, undefined);
  assert.equal(e.kubernetes, undefined);
});

test('a name that fits no controller shape is left alone (bare pod, or not a pod)', () => {
  const e = parseOne(kvBody('incident', edited(incident(), { workload_name: 'debug-shell' })));
  assert.equal(e.orchestrator?.resource, undefined);
  assert.equal(e.kubernetes, undefined);
});

test('an admission request for a PVC keeps the PVC as the resource; the request names no pod', () => {
  const body = kvBody('audit', inserted(audit('Admission.Control.Allowed'), 'count', [['pvc_name', 'pg-data-0'], ['pvc_storageclass_name', 'gp3']]));
  const e = parseOne(body);
  assert.deepEqual(e.orchestrator?.resource, { type: 'persistentvolumeclaim', name: 'pg-data-0' });
  assert.equal(e.kubernetes, undefined);
});
