/**
 * What three sources say about one pod of the Deployment `checkout` in namespace `shop` of
 * cluster `prod`: a NeuVector network violation (webhook JSON, names its cluster), a Falco alert
 * and a Kubernetes audit record of an exec into it (both name no cluster: sent with ?cluster=prod),
 * all stamped now.
 */
/** Now: Loki refuses entries older than its reject_old_samples_max_age. */
const NOW = new Date();

export const WORKLOAD_KEY = 'prod/shop/Deployment/checkout';
export const POD = 'checkout-7c5ddbdf54-2xk8p';
export const neuvector = JSON.stringify({
  notification: 'violation', name: 'Network.Violation', level: 'Warning', reported_timestamp: Math.floor(NOW.getTime() / 1000), cluster_name: 'prod',
  client_id: 'a', client_name: POD, client_domain: 'shop', client_image: 'shop/checkout:2', server_id: 'external', server_name: 'external',
  server_port: 443, ip_proto: 6, applications: ['SSL'], servers: [], sessions: 1, policy_action: 'violate', policy_id: 0,
  client_ip: '10.244.1.23', server_ip: '140.82.121.4', id: 'v1', fqdn: '', xff: false, nbe: false, host_name: 'worker-3', host_id: 'h',
});
export const falco = JSON.stringify({
  uuid: 'f1', output: 'shell', priority: 'Notice', rule: 'Terminal shell in container', time: NOW.toISOString(),
  output_fields: { 'k8s.pod.name': POD, 'k8s.ns.name': 'shop', 'container.id': 'abc', 'container.name': 'checkout', 'proc.name': 'bash', 'user.name': 'root' },
});
export const audit = JSON.stringify({
  kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{
    level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: `/api/v1/namespaces/shop/pods/${POD}/exec`, verb: 'create',
    user: { username: 'alice@example.com' }, sourceIPs: ['203.0.113.10'],
    objectRef: { resource: 'pods', namespace: 'shop', name: POD, subresource: 'exec', apiVersion: 'v1' },
    responseStatus: { code: 101 }, stageTimestamp: NOW.toISOString(),
  }],
});

