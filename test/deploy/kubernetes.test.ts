import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { resolveWebhookAuth } from '../../src/config/webhook-auth.ts';
import { createAdminApp } from '../../src/admin/admin.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { enabledSinks } from '../../src/config/enabled-sinks.ts';
import { INGEST_QUEUE, sinkQueueName } from '../../src/pipeline/queues.ts';
import { listFiles, metricNames, readText, vigilEnvNames, yamlDocuments } from './known.ts';

// No cluster here: the manifests are parsed and checked against each other and against vigil.

const DIR = 'config/kubernetes';

/** apiVersion of every kind the manifests may use (stable APIs only). */
const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1', ConfigMap: 'v1', Secret: 'v1', Service: 'v1',
  Deployment: 'apps/v1', StatefulSet: 'apps/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  NetworkPolicy: 'networking.k8s.io/v1',
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
};

type Labels = Record<string, string>;
interface Selector { matchLabels?: Labels; matchExpressions?: Array<{ key: string; operator: string; values: string[] }> }
interface Port { name?: string; containerPort: number; protocol?: string }
interface Probe { httpGet?: { path: string; port: string | number }; exec?: { command: string[] } }
interface Container {
  name: string; image: string; args?: string[];
  env?: Array<{ name: string; value?: string }>;
  ports?: Port[];
  startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }>;
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: unknown }>;
}
interface Resource {
  apiVersion: string; kind: string;
  metadata: { name: string; labels?: Labels };
  spec?: any; data?: Record<string, string>; stringData?: Record<string, string>;
  resources?: string[]; images?: Array<{ name: string }>;
  configMapGenerator?: Array<{ name: string; files: string[] }>;
}
interface Workload extends Resource { spec: { selector: Selector; template: { metadata: { labels: Labels }; spec: PodSpec }; volumeClaimTemplates?: Array<{ metadata: { name: string } }> } }

const files = listFiles(DIR, '.yaml');
const documents = files.flatMap((file) => (yamlDocuments(file) as Resource[]).map((resource) => ({ file, resource })));
const resources = documents.map((d) => d.resource).filter((r) => r.kind !== 'Kustomization');
const kind = <T extends Resource = Resource>(name: string) => resources.filter((r) => r.kind === name) as T[];
const workloads = [...kind<Workload>('Deployment'), ...kind<Workload>('StatefulSet')];
const vigilWorkloads = kind<Workload>('Deployment').filter((d) => d.spec.template.metadata.labels['app.kubernetes.io/name'] === 'vigil');
const named = <T extends Resource>(list: T[], name: string) => list.find((r) => r.metadata.name === name);
const kustomization = documents.find((d) => d.resource.kind === 'Kustomization')!.resource;
/** The ConfigMaps kustomize generates, by name, each key with its file's content. */
const generatedConfigMaps = new Map((kustomization.configMapGenerator ?? []).map(({ name, files }) => [name, Object.fromEntries(files.map((entry) => {
  const [key, file] = entry.includes('=') ? entry.split('=') : [entry.split('/').pop()!, entry];
  return [key, readText(`${DIR}/${file}`)];
})) as Record<string, string>]));
/** The vigil config every role reads (vigil-config/vigil.yaml, through the generated ConfigMap). */
const vigilConfigFile = () => generatedConfigMaps.get('vigil-config')!['vigil.yaml'];

function selects(selector: Selector, labels: Labels): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    throw new Error(`operator ${e.operator} not handled`);
  });
  return byLabels && byExpressions;
}
const selected = (selector: Selector) => workloads.filter((w) => selects(selector, w.spec.template.metadata.labels));

test('every document has a real apiVersion for its kind, a name, and kustomization lists every file', () => {
  for (const { file, resource } of documents) {
    assert.equal(resource.apiVersion, API_VERSIONS[resource.kind], `${file}: ${resource.kind} is not served as ${resource.apiVersion}`);
    if (resource.kind !== 'Kustomization') assert.match(resource.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, file);
  }
  assert.deepEqual([...kustomization.resources!].sort(), files.filter((f) => !f.endsWith('/kustomization.yaml')).map((f) => f.slice(DIR.length + 1)).sort());
  assert.deepEqual(kustomization.images!.map((image) => image.name), ['vigil']);
  for (const workload of vigilWorkloads) assert.equal(workload.spec.template.spec.containers[0].image, 'vigil', 'the image kustomize replaces');
  const keys = resources.map((r) => `${r.kind}/${r.metadata.name}`);
  assert.equal(new Set(keys).size, keys.length, 'duplicate kind/name');
});

test('one vigil Deployment per role, with selectors that match their own pods only', () => {
  assert.deepEqual(vigilWorkloads.map((w) => w.spec.template.spec.containers[0].env!.find((e) => e.name === 'VIGIL_ROLE')!.value).sort(), ['deliver', 'ingest', 'process']);
  for (const workload of workloads) {
    assert.ok(selects(workload.spec.selector, workload.spec.template.metadata.labels), `${workload.metadata.name}: selector does not match its pods`);
    assert.deepEqual(selected(workload.spec.selector), [workload], `${workload.metadata.name}: selector also matches other workloads' pods`);
  }
});

test('Services select pods, and their target ports are container ports with the same protocol', () => {
  for (const service of kind('Service')) {
    const targets = selected({ matchLabels: service.spec.selector });
    assert.ok(targets.length > 0, `Service ${service.metadata.name} selects no pods`);
    for (const port of service.spec.ports as Array<{ name: string; port: number; targetPort: string | number; protocol?: string }>) {
      for (const workload of targets) {
        const match = workload.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) =>
          (typeof port.targetPort === 'string' ? p.name === port.targetPort : p.containerPort === port.targetPort) && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        assert.ok(match, `Service ${service.metadata.name} port ${port.name} → ${port.targetPort}/${port.protocol ?? 'TCP'}: no such port in ${workload.metadata.name}`);
      }
    }
  }
  const ports = (name: string) => (named(kind('Service'), name)!.spec.ports as Array<{ port: number; protocol: string }>).map((p) => `${p.port}/${p.protocol}`).sort();
  assert.deepEqual(ports('vigil-syslog'), ['5514/TCP', '5514/UDP']);
  assert.deepEqual(ports('vigil-webhooks'), ['8080/TCP']);
});

test('every role has a PodDisruptionBudget, and every budget and network policy selects pods', () => {
  for (const budget of kind('PodDisruptionBudget')) assert.ok(selected(budget.spec.selector).length > 0, `PDB ${budget.metadata.name} selects nothing`);
  for (const workload of workloads) {
    assert.ok(kind('PodDisruptionBudget').some((b) => selects(b.spec.selector, workload.spec.template.metadata.labels)), `${workload.metadata.name} has no PDB`);
  }
  for (const policy of kind('NetworkPolicy')) assert.ok(selected(policy.spec.podSelector).length > 0, `NetworkPolicy ${policy.metadata.name} selects nothing`);
});

test('vigil containers use only variables vigil reads, and secrets only as mounted files', () => {
  const known = vigilEnvNames();
  const secret = kind('Secret')[0];
  for (const workload of vigilWorkloads) {
    const { containers, volumes } = workload.spec.template.spec;
    const [container] = containers;
    for (const { name, value } of container.env!) {
      assert.ok(known.has(name), `${workload.metadata.name}: vigil does not read ${name}`);
      if (!name.endsWith('_FILE') && /TOKEN|PASSWORD|API_KEY/.test(name)) assert.fail(`${workload.metadata.name}: ${name} puts a secret in the environment; use ${name}_FILE`);
      if (!name.endsWith('_FILE')) continue;
      const mount = container.volumeMounts!.find((m) => value!.startsWith(`${m.mountPath}/`))!;
      assert.ok(mount, `${workload.metadata.name}: ${name} points outside every mount`);
      const volume = volumes!.find((v) => v.name === mount.name)!;
      assert.equal(volume.secret?.secretName, secret.metadata.name, `${name} is not read from the Secret`);
      assert.ok(value!.slice(mount.mountPath.length + 1) in secret.stringData!, `${name}: the Secret has no key ${value}`);
    }
  }
});

test('the generated ConfigMap, with each role\'s environment and the Secret\'s files, passes vigil\'s own validation', () => {
  const secret = kind('Secret')[0];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-'));
  for (const workload of vigilWorkloads) {
    const [container] = workload.spec.template.spec.containers;
    const files: Record<string, string> = {};
    const env: Record<string, string> = { VIGIL_DATA_DIR: dir };
    for (const { name, value } of container.env!) {
      // Point each mounted path at a local copy of what Kubernetes would mount there.
      if (name === 'VIGIL_CONFIG' || name.endsWith('_FILE')) {
        const mount = container.volumeMounts!.find((m) => value === m.mountPath || value!.startsWith(`${m.mountPath}/`))!;
        const volume = workload.spec.template.spec.volumes!.find((v) => v.name === mount.name)!;
        const key = mount.subPath ?? value!.slice(mount.mountPath.length + 1);
        const content = volume.configMap ? generatedConfigMaps.get(volume.configMap.name)?.[key] : secret.stringData![key];
        assert.ok(content !== undefined, `${workload.metadata.name}: ${value} is mounted from a missing key ${key}`);
        const local = join(dir, `${workload.metadata.name}-${key}`);
        writeFileSync(local, content);
        files[name] = local;
        env[name] = local;
      } else env[name] = value!;
    }
    const config = loadConfig(env, files.VIGIL_CONFIG);
    assert.equal(config.role, env.VIGIL_ROLE);
    assert.equal(config.redis.url, null, 'the sentinels name the master');
    assert.deepEqual(config.redis.sentinels, sentinelAddresses());
    assert.equal(config.redis.master_name, monitoredMaster());
    assert.equal(config.redis.sentinel_password, secret.stringData!['redis-password']);
    assert.equal(config.webhooks.token, secret.stringData!['webhook-token']);
    assert.deepEqual(enabledSinks(config).map((s) => s.name).sort(), ['elasticsearch', 'loki']);
    assert.equal(config.listen.http_port, config.role === 'ingest' ? 8080 : null, 'webhooks only where events are taken in');
    assert.equal(config.listen.admin.port, 9098);
    // The container declares the ports the config listens on (syslog and webhooks only where listeners run).
    const ports = (workload.spec.template.spec.containers[0].ports ?? []).map((p) => `${p.containerPort}/${p.protocol}`).sort();
    const { http_port: http, syslog_tcp_port: tcp, syslog_udp_port: udp, admin } = config.listen;
    assert.deepEqual(ports, config.role === 'ingest' ? [`${tcp}/TCP`, `${udp}/UDP`, `${http}/TCP`, `${admin.port}/TCP`].sort() : [`${admin.port}/TCP`]);
    // Every webhook route this role serves has auth: none is open to senders from the network.
    if (config.listen.http_port !== null) {
      const { routes } = resolveWebhookAuth(config.webhooks, config.listen.http_tls);
      for (const [kind, auth] of Object.entries(routes)) assert.notEqual(auth.type, 'none', `${workload.metadata.name}: /ingest/${kind} has no auth`);
    }
    // vigil authenticates to the Redis the manifests run, with the Secret's password.
    assert.equal(config.redis.password, secret.stringData!['redis-password']);
  }
});

test('probes call routes vigil serves, on a port the container declares', async () => {
  const app = createAdminApp({ metrics: new Metrics(), ready: () => true, logger: silentLogger });
  const probed = new Set<string>();
  for (const workload of vigilWorkloads) {
    const [container] = workload.spec.template.spec.containers;
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      assert.ok(probe?.httpGet, `${workload.metadata.name}: missing an HTTP probe`);
      assert.ok(container.ports!.some((p) => p.name === probe.httpGet!.port), `${workload.metadata.name}: probe port ${probe.httpGet!.port} undeclared`);
      assert.equal(probe.httpGet.port, 'admin', `${workload.metadata.name}: probes go to the admin listener, plain HTTP whatever the webhooks use`);
      probed.add(probe.httpGet.path);
    }
    assert.equal(container.readinessProbe!.httpGet!.path, '/readyz');
    assert.equal(container.livenessProbe!.httpGet!.path, '/healthz');
  }
  for (const path of probed) assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `GET ${path}`);
  await app.close();
});

test('every container runs non-root on a read-only root filesystem, with resources set', () => {
  for (const workload of workloads) {
    const pod = workload.spec.template.spec;
    assert.equal(pod.securityContext?.runAsNonRoot, true, workload.metadata.name);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', workload.metadata.name);
    assert.equal(pod.automountServiceAccountToken, false, workload.metadata.name);
    for (const container of pod.containers) {
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, container.name);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, container.name);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], container.name);
      assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory && container.resources.limits?.memory, `${workload.metadata.name}: resources`);
      // A read-only root needs somewhere to write: vigil's data dir and /tmp.
      if (vigilWorkloads.includes(workload)) for (const path of ['/data', '/tmp']) assert.ok(container.volumeMounts!.some((m) => m.mountPath === path), `${workload.metadata.name}: ${path}`);
    }
  }
});

test('Redis keeps what it acknowledged: AOF fsynced every second, noeviction, data on a volume claim', () => {
  const redis = named(kind<Workload>('StatefulSet'), 'redis')!;
  const [container] = redis.spec.template.spec.containers;
  const args = container.args!.join(' ');
  assert.match(args, /--appendonly yes/);
  assert.match(args, /--appendfsync everysec/);
  assert.match(args, /--maxmemory-policy noeviction/);
  const dir = /--dir (\S+)/.exec(args)![1];
  const claim = redis.spec.volumeClaimTemplates![0].metadata.name;
  assert.ok(container.volumeMounts!.some((m) => m.name === claim && m.mountPath === dir));
});

/** host:port of each pod of the sentinel StatefulSet, by its headless Service's DNS name. */
function sentinelAddresses(): string[] {
  const sentinels = named(kind<Workload>('StatefulSet'), 'redis-sentinel')!;
  const service = named(kind('Service'), (sentinels.spec as unknown as { serviceName: string }).serviceName)!;
  assert.equal(service.spec.clusterIP, 'None', 'pod DNS names need a headless Service');
  const port = (service.spec.ports as Array<{ port: number }>)[0].port;
  return Array.from({ length: (sentinels.spec as unknown as { replicas: number }).replicas }, (_, i) => `${sentinels.metadata.name}-${i}.${service.metadata.name}:${port}`);
}

/** The master set the sentinels monitor (`sentinel monitor <name> <host> <port> <quorum>` in their init script). */
function monitoredMaster(): string {
  const script = initScript('redis-sentinel');
  return /sentinel monitor (\S+) /.exec(script)![1];
}

/** The shell script of a StatefulSet's init container (it writes the server's or sentinel's config). */
const initScript = (name: string): string =>
  (named(kind<Workload>('StatefulSet'), name)!.spec.template.spec as unknown as { initContainers: Array<{ command: string[] }> }).initContainers[0].command.join(' ');

test('Redis runs as three servers watched by three sentinels with a quorum of two; every vigil role asks all three for the same master set', () => {
  const replicas = (name: string) => (named(kind<Workload>('StatefulSet'), name)!.spec as unknown as { replicas: number }).replicas;
  assert.equal(replicas('redis'), 3);
  assert.equal(replicas('redis-sentinel'), 3);
  const sentinelScript = initScript('redis-sentinel');
  const redisScript = initScript('redis');
  const [, master, port, quorum] = /sentinel monitor (\S+) \$master (\d+) (\d+)/.exec(sentinelScript) ?? [];
  assert.ok(master, 'the sentinels monitor a master set, the one they are told of');
  assert.equal(port, '6379');
  assert.equal(Number(quorum), Math.floor(replicas('redis-sentinel') / 2) + 1, 'a majority of the sentinels agrees on a failover');
  // Both init scripts ask the sentinels for that set's master and fall back to the same first one.
  for (const script of [sentinelScript, redisScript]) {
    assert.match(script, new RegExp(`sentinel get-master-addr-by-name ${master} `));
    assert.match(script, /\[ -n "\$master" \] \|\| master=redis-0\.redis\n/);
  }
  assert.match(redisScript, /replica-announce-ip %s/, 'servers are known by their DNS names, not pod IPs');
  for (const workload of vigilWorkloads) {
    const env = Object.fromEntries(workload.spec.template.spec.containers[0].env!.map((e) => [e.name, e.value]));
    assert.deepEqual(env.REDIS_SENTINELS?.split(','), sentinelAddresses(), workload.metadata.name);
    assert.equal(env.REDIS_SENTINEL_MASTER, master, workload.metadata.name);
    assert.equal(env.REDIS_URL, undefined, `${workload.metadata.name}: REDIS_URL would bypass the sentinels`);
  }
});

test('the process and deliver roles scale on the backlog of the queues they drain; the HPA, not the Deployment, owns their replicas', async () => {
  const known = await metricNames();
  // The sinks alone matter here (loopback: the webhook routes need no token; the URL comes from the Deployments).
  const config = loadConfig({ VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-k8s-')), VIGIL_HOST: '127.0.0.1', VIGIL_ES_URL: 'https://elasticsearch.example:9200' }, writeTemp(vigilConfigFile()));
  const drained: Record<string, string[]> = { process: [INGEST_QUEUE], deliver: enabledSinks(config).map((s) => sinkQueueName(s.name)) };
  const autoscalers = kind('HorizontalPodAutoscaler');
  assert.deepEqual(autoscalers.map((h) => h.spec.scaleTargetRef.name).sort(), ['vigil-deliver', 'vigil-process']);
  for (const hpa of autoscalers) {
    const target = named(vigilWorkloads, hpa.spec.scaleTargetRef.name)!;
    assert.ok(target && hpa.spec.scaleTargetRef.kind === 'Deployment', `${hpa.metadata.name}: no such Deployment`);
    assert.equal((target.spec as { replicas?: number }).replicas, undefined, `${target.metadata.name}: a replicas field would reset the HPA's count on every apply`);
    const role = target.spec.template.spec.containers[0].env!.find((e) => e.name === 'VIGIL_ROLE')!.value!;
    const external = (hpa.spec.metrics as Array<{ type: string; external?: { metric: { name: string; selector: Selector } } }>).filter((m) => m.type === 'External');
    assert.equal(external.length, 1, hpa.metadata.name);
    const { metric } = external[0].external!;
    assert.ok(known.has(metric.name), `${metric.name} is not a vigil metric`);
    const selects = (queue: string) => Object.entries(metric.selector.matchLabels ?? {}).every(([k, v]) => k === 'queue' && v === queue)
      && (metric.selector.matchExpressions ?? []).every((e) => e.key === 'queue' && e.operator === 'In' && e.values.includes(queue));
    const queues = [INGEST_QUEUE, ...enabledSinks(config).map((s) => sinkQueueName(s.name))];
    assert.deepEqual(queues.filter(selects), drained[role], `${hpa.metadata.name} follows the queues the ${role} role drains`);
    assert.ok(hpa.spec.minReplicas >= 2, 'two pods at least: one can be replaced while the other works');
  }
});

function writeTemp(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-k8s-')), 'vigil.yaml');
  writeFileSync(file, content);
  return file;
}
