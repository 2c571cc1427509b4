import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, yamlDocuments } from './known.ts';
import { requireProgram, skipUnlessInstalled } from '../support/real-program.ts';

// kubectl's own kustomize renders config/kubernetes as `kubectl apply -k` would, and every rendered
// object is validated against the OpenAPI schemas of Kubernetes 1.34 as compiled by the
// kubernetes-models package (5.1: resource.k8s.io/v1, new in 1.34, is its newest API; no
// cluster, no network). Those schemas check types, required fields
// and that the kind exists under its apiVersion; like Kubernetes' OpenAPI itself they do not
// reject unknown fields (the API server's strict field validation does that; the typed
// checks in kubernetes.test.ts cover the fields vigil relies on).
//
// The Prometheus Operator objects (ServiceMonitor, PrometheusRule) live in their own
// kustomization, config/kubernetes/monitoring: their kinds exist only on clusters with the
// operator's CRDs, and `kubectl apply -k config/kubernetes` must work on any cluster. They are
// validated against the operator's CRD schemas as compiled by @kubernetes-models/prometheus-operator.

const DIR = 'config/kubernetes';
const MONITORING_DIR = 'config/kubernetes/monitoring';
/** Packages of the models of API groups that are CRDs, not Kubernetes' own. */
const CRD_MODELS: Record<string, string> = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };
const skip = skipUnlessInstalled('kubectl', 'apt-get install kubernetes-client');

interface Rendered { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any }

function render(dir = DIR, root = ROOT): Rendered[] {
  requireProgram('kubectl', 'apt-get install kubernetes-client');
  const result = spawnSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `kubectl kustomize failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Rendered);
}

/** The kubernetes-models module of an apiVersion: `v1` → kubernetes-models/v1, `apps/v1` → kubernetes-models/apps/v1. */
async function modelOf(resource: Rendered): Promise<{ validate(): void } | undefined> {
  let module: Record<string, unknown>;
  try {
    const group = resource.apiVersion.includes('/') ? resource.apiVersion.split('/')[0] : '';
    module = await import(`${CRD_MODELS[group] ?? 'kubernetes-models'}/${resource.apiVersion}`);
  } catch {
    return undefined;
  }
  const Model = module[resource.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  return Model && new Model(resource);
}

async function schemaErrors(resource: Rendered): Promise<string | undefined> {
  const model = await modelOf(resource);
  if (!model) return `${resource.apiVersion} ${resource.kind} has no schema in Kubernetes 1.34`;
  try {
    model.validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

test('kubectl kustomize renders every shipped object into the vigil namespace with the image set', { skip }, () => {
  const rendered = render();
  const [kustomization] = yamlDocuments(`${DIR}/kustomization.yaml`) as Array<{ namespace: string; resources: string[]; images: Array<{ name: string; newName: string; newTag: string }>; configMapGenerator: Array<{ name: string }> }>;
  const shipped = kustomization.resources.flatMap((file) => yamlDocuments(`${DIR}/${file}`) as Rendered[]);
  const generated = kustomization.configMapGenerator.map((g) => `ConfigMap/${g.name}`);
  // A generated ConfigMap's name ends in a hash of its content.
  const key = (r: Rendered) => `${r.kind}/${r.kind === 'ConfigMap' ? r.metadata.name.replace(/-[a-z0-9]{10}$/, '') : r.metadata.name}`;
  assert.deepEqual(rendered.map(key).sort(), [...shipped.map(key), ...generated].sort());
  for (const resource of rendered) {
    if (resource.kind === 'Namespace') assert.equal(resource.metadata.name, kustomization.namespace);
    else assert.equal(resource.metadata.namespace, kustomization.namespace, `${key(resource)} is outside the namespace`);
  }
  const [image] = kustomization.images;
  const vigilImages = rendered.filter((r) => r.kind === 'Deployment').flatMap((r) => r.spec.template.spec.containers.map((c: { image: string }) => c.image));
  assert.equal(vigilImages.length, 3);
  for (const used of vigilImages) assert.equal(used, `${image.newName}:${image.newTag}`);
});

test('every rendered object is valid against the Kubernetes 1.34 OpenAPI schemas', { skip }, async () => {
  const invalid: string[] = [];
  for (const resource of render()) {
    const errors = await schemaErrors(resource);
    if (errors) invalid.push(`${resource.kind}/${resource.metadata.name}: ${errors}`);
  }
  assert.deepEqual(invalid, []);
});

test('the schema check rejects what the API server would: a wrong type, a missing field, an unknown API version', { skip }, async () => {
  const rendered = render();
  const deployment = rendered.find((r) => r.kind === 'Deployment')!;
  const wrongType = structuredClone(deployment);
  wrongType.spec.replicas = 'two';
  assert.match((await schemaErrors(wrongType))!, /replicas must be integer/);
  const noContainers = structuredClone(deployment);
  delete noContainers.spec.template.spec.containers;
  assert.match((await schemaErrors(noContainers))!, /required property containers/);
  assert.match((await schemaErrors({ ...deployment, apiVersion: 'apps/v2' }))!, /no schema/);
});

test('the monitoring kustomization renders a valid ServiceMonitor and PrometheusRule into the vigil namespace; the main one has no CRD kinds', { skip }, async () => {
  const monitoring = render(MONITORING_DIR);
  assert.deepEqual(monitoring.map((r) => `${r.apiVersion} ${r.kind}`).sort(), ['monitoring.coreos.com/v1 PrometheusRule', 'monitoring.coreos.com/v1 ServiceMonitor']);
  const invalid: string[] = [];
  for (const resource of monitoring) {
    assert.equal(resource.metadata.namespace, 'vigil');
    const errors = await schemaErrors(resource);
    if (errors) invalid.push(`${resource.kind}/${resource.metadata.name}: ${errors}`);
  }
  assert.deepEqual(invalid, []);
  // The operator's schema rejects what the operator would (so the check above can fail).
  const monitor = structuredClone(monitoring.find((r) => r.kind === 'ServiceMonitor')!);
  monitor.spec.endpoints[0].interval = 'often';
  assert.match((await schemaErrors(monitor))!, /interval/);

  for (const resource of render()) assert.ok(!(resource.apiVersion.split('/')[0] in CRD_MODELS), `${resource.kind} in the main kustomization needs the operator's CRDs`);
});

test('the ServiceMonitor scrapes the admin port of every vigil pod through the vigil-metrics Service', { skip }, () => {
  const base = render();
  const [monitor] = render(MONITORING_DIR).filter((r) => r.kind === 'ServiceMonitor');
  const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([key, value]) => labels[key] === value);
  const services = base.filter((r) => r.kind === 'Service' && matches(monitor.spec.selector.matchLabels, (r.metadata as { labels?: Record<string, string> }).labels));
  assert.deepEqual(services.map((s) => s.metadata.name), ['vigil-metrics']);
  const [service] = services;
  assert.equal(service.spec.clusterIP, 'None', 'headless: every pod is a target');
  const [endpoint] = monitor.spec.endpoints as Array<{ port: string; path: string }>;
  const port = (service.spec.ports as Array<{ name: string; port: number; targetPort: string }>).find((p) => p.name === endpoint.port);
  assert.ok(port, `the Service has no port named ${endpoint.port}`);
  assert.equal(endpoint.path, '/metrics');
  // Every vigil Deployment's pods are selected and serve the target port as the admin listener's.
  const deployments = base.filter((r) => r.kind === 'Deployment' && matches(service.spec.selector, r.spec.template.metadata.labels));
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['vigil-deliver', 'vigil-ingest', 'vigil-process']);
  for (const deployment of deployments) {
    const ports = deployment.spec.template.spec.containers.flatMap((c: { ports?: Array<{ name: string; containerPort: number }> }) => c.ports ?? []);
    assert.equal(ports.find((p: { name: string }) => p.name === port.targetPort)?.containerPort, 9098, `${deployment.metadata.name}: the admin port`);
  }
  assert.ok(!base.some((r) => r.kind === 'StatefulSet' && matches(service.spec.selector, r.spec.template.metadata.labels)), 'Redis is not scraped');
});

test('the vigil ConfigMap is named after its content and mounted under that name: a changed config rolls every vigil pod', { skip }, () => {
  const configMapOf = (rendered: Rendered[]) => {
    const [configMap] = rendered.filter((r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith('vigil-config-'));
    assert.ok(configMap, 'a generated vigil-config-<hash> ConfigMap');
    const mounted = rendered.filter((r) => r.kind === 'Deployment').map((d) =>
      (d.spec.template.spec.volumes as Array<{ configMap?: { name: string } }>).find((v) => v.configMap)?.configMap?.name);
    assert.deepEqual(mounted, [configMap.metadata.name, configMap.metadata.name, configMap.metadata.name], 'every vigil Deployment mounts the generated name');
    return configMap.metadata.name;
  };
  const before = configMapOf(render());
  assert.equal(configMapOf(render()), before, 'the same content gives the same name (pods roll only on a change)');

  const copy = mkdtempSync(join(tmpdir(), 'vigil-kustomize-'));
  try {
    cpSync(join(ROOT, DIR), join(copy, DIR), { recursive: true });
    const file = join(copy, DIR, 'vigil-config', 'vigil.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('log_level: info', 'log_level: debug'));
    assert.notEqual(configMapOf(render(DIR, copy)), before, 'a changed config is a new ConfigMap name, so the pod templates change');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
