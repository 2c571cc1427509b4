import { common } from './support.ts';

// One realistic struct per notification type, as [key, value] pairs in the controller's key order
// (struct declaration order in controller/api/log_apis.go of github.com/neuvector/neuvector); tests
// edit values and insert optional keys where the order puts them.

export const threat = (): [string, string][] => [
  ...common('SQL.Injection'),
  ['id', 'c6a1e9c2-4079-11f0-9b2e-0242ac120003'], ['threat_id', '2022'], ['client_workload_id', 'external'],
  ['client_workload_name', 'external'], ['server_workload_id', '2b4d6f8a0c1e'], ['server_workload_name', 'wordpress-0'],
  ['server_workload_domain', 'blog'], ['severity', 'Critical'], ['action', 'deny'], ['count', '1'], ['ether_type', '2048'],
  ['client_port', '51822'], ['server_port', '80'], ['server_conn_port', '80'], ['icmp_code', '0'], ['icmp_type', '0'],
  ['ip_proto', '6'], ['client_ip', '203.0.113.45'], ['server_ip', '10.244.1.23'], ['application', 'HTTP'], ['sensor', ''],
  ['group', ''], ['target', 'server'], ['monitor', 'false'], ['message', 'SQL Injection'],
];

export const violation = (): [string, string][] => [
  ...common(),
  ['id', '0e5f3a2c-8b1d-4c6e-9f70-2a4b6c8d0e1f'], ['client_id', 'c41f0e9d'], ['client_name', 'checkout-7b9d6c5f4-qw8zt'],
  ['client_domain', 'shop'], ['client_image', 'registry.example.com/shop/checkout:2.14.1'], ['client_service', 'checkout.shop'],
  ['server_id', 'external'], ['server_name', 'external'], ['server_port', '443'], ['ip_proto', '6'],
  ['applications', '[SSL]'], ['servers', '[]'], ['sessions', '3'], ['policy_action', 'violate'], ['policy_id', '0'],
  ['client_ip', '10.244.3.17'], ['server_ip', '140.82.121.4'], ['fqdn', 'api.github.com'], ['xff', 'false'], ['nbe', 'false'],
];

export const incident = (): [string, string][] => [
  ...common('Process.Profile.Violation'),
  ['id', '4a7c1e9b-2d3f-4e5a-8b6c-7d8e9f0a1b2c'], ['workload_id', 'f1e2d3c4b5a6'], ['workload_name', 'billing-5d4c3b2a1-zx9wv'],
  ['workload_domain', 'finance'], ['workload_image', 'registry.example.com/finance/billing:5.0.3'],
  ['workload_service', 'billing.finance'], ['proc_name', 'java'], ['proc_path', '/opt/java/openjdk/bin/java'],
  ['proc_cmd', 'java -jar app.jar'], ['proc_effective_uid', '1001'], ['proc_effective_user', 'billing'],
  ['proc_parent_name', 'sh'], ['proc_parent_path', '/bin/sh'], ['action', 'violate'], ['group', 'nv.billing.finance'],
  ['rule_id', '00000000-0000-0000-0000-000000000000'], ['aggregation_from', '1748959646'], ['count', '1'],
  ['message', 'Process profile violation'],
];

export const audit = (name: string): [string, string][] => [
  ...common(name),
  ['workload_domain', 'dev'], ['workload_image', 'busybox:1.36'], ['critical_vul_cnt', '0'], ['high_vul_cnt', '3'],
  ['medium_vul_cnt', '9'], ['message', 'Creation of Kubernetes Pod resource (cache-0) is allowed.'],
  ['user', 'jane.doe@example.com'], ['aggregation_from', '1748960775'], ['count', '3'],
];

export const event = (name: string): [string, string][] => [
  ...common(name),
  ['controller_id', 'a7c2e4f6'], ['controller_name', 'neuvector-controller-pod-6d9c7f8b5-x7kqm'], ['workload_id', ''],
  ['workload_name', ''], ['workload_domain', ''], ['workload_image', ''], ['workload_service', ''], ['category', 'RESTFUL'],
  ['user', 'ops@example.com'], ['user_roles', 'map[:admin]'], ['user_addr', '10.0.4.78'], ['user_session', '5ab1c0de77f2'],
  ['message', 'Configure response rule 1003'],
];
