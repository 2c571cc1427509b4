import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { parsePrometheus } from '../support/prometheus.ts';
import { selfSignedCert } from '../support/pki.ts';
import { spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { ROOT, readText, yamlDocuments } from './known.ts';

// The shipped health checks (Dockerfile HEALTHCHECK, Kubernetes probes, Prometheus scrape) run
// against a vigil whose webhooks are HTTPS: they must keep working, on the admin listener, in
// plain HTTP. Needs `npm run build` (the HEALTHCHECK runs the compiled dist/ script, as in the image).

const run = promisify(execFile);
const TOKEN = 'webhook-0123456789abcdef';
let dir: string;
let vigil: SpawnedVigil;
let adminPort: number;
let env: Record<string, string>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-health-'));
  const { cert, key } = selfSignedCert(dir);
  adminPort = await freePort();
  // A fixed admin port, so the HEALTHCHECK command finds it through the same configuration.
  env = { VIGIL_HTTP_TLS_CERT: cert, VIGIL_HTTP_TLS_KEY: key, VIGIL_WEBHOOK_TOKEN: TOKEN, VIGIL_ADMIN_PORT: String(adminPort) };
  vigil = await spawnVigil(env);
});
after(async () => {
  await vigil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The image's environment: the Dockerfile's ENV lines. */
function imageEnv(): Record<string, string> {
  return Object.fromEntries([...readText('Dockerfile').matchAll(/^ENV (.+)$/gm)]
    .flatMap(([, line]) => line.split(/\s+/).map((pair) => pair.split('=') as [string, string])));
}

/** GET over plain HTTP, as probes and Prometheus do by default. */
const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

test('the webhooks really are HTTPS-only here, and no longer serve /metrics', async () => {
  await assert.rejects(get(vigil.port('http'), '/healthz'), 'plain HTTP to the HTTPS webhook port fails');
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: vigil.port('http'), path: '/metrics', rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(status, 404);
  assert.equal(vigil.port('admin'), adminPort);
});

test('the Dockerfile HEALTHCHECK command passes against it, and fails once vigil is gone', async () => {
  const match = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(readText('Dockerfile'));
  assert.ok(match, 'HEALTHCHECK in exec form');
  const [program, ...args] = JSON.parse(match[1]) as string[];
  assert.equal(program, 'node');
  // The image's environment under the test's, as `docker run -e` layers them (loopback here: a test binds nothing wider).
  const healthEnv = { ...imageEnv(), PATH: process.env.PATH ?? '', VIGIL_DATA_DIR: vigil.dataDir, ...env, VIGIL_HOST: '127.0.0.1' };
  const check = () => run(process.execPath, args, { cwd: ROOT, env: healthEnv, timeout: 10_000 }).then(() => 0, (error: { code: number }) => error.code);
  assert.equal(await check(), 0);

  const other = await spawnVigil({ ...env, VIGIL_ADMIN_PORT: String(await freePort()) });
  const otherEnv = { ...healthEnv, VIGIL_ADMIN_PORT: String(other.port('admin')) };
  await other.stop();
  assert.equal(await run(process.execPath, args, { cwd: ROOT, env: otherEnv, timeout: 10_000 }).then(() => 0, (error: { code: number }) => error.code), 1, 'nothing listening: unhealthy');
});

interface Probe { httpGet?: { path: string; port: string | number; scheme?: string } }
interface Container { env?: Array<{ name: string; value?: string }>; ports?: Array<{ name?: string; containerPort: number }>; startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe }
interface Deployment { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: Container[] } } } }

test('every Kubernetes probe and scrape annotation names the admin port the ConfigMap configures, and answers 200 over HTTP', async () => {
  // The file kustomize makes the vigil-config ConfigMap of (configMapGenerator).
  const configMap = readText('config/kubernetes/vigil-config/vigil.yaml');
  const file = join(dir, 'k8s.yaml');
  writeFileSync(file, configMap);
  const deployments = ['ingest', 'process', 'deliver'].map((role) => yamlDocuments(`config/kubernetes/vigil-${role}.yaml`)[0] as Deployment);
  for (const deployment of deployments) {
    const [container] = deployment.spec.template.spec.containers;
    const roleEnv = Object.fromEntries((container.env ?? []).filter((e) => !e.name.endsWith('_FILE') && e.name !== 'VIGIL_CONFIG').map((e) => [e.name, e.value!]));
    const config = loadConfig({ ...roleEnv, VIGIL_WEBHOOK_TOKEN: TOKEN, VIGIL_DATA_DIR: dir }, file);
    for (const [kind, probe] of Object.entries({ startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe })) {
      assert.ok(probe?.httpGet, `${deployment.metadata.name}: ${kind} probe`);
      const port = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : container.ports!.find((p) => p.name === probe.httpGet!.port)!.containerPort;
      assert.equal(port, config.listen.admin.port, `${deployment.metadata.name}: the ${kind} probe goes to the admin listener`);
      assert.equal(probe.httpGet.scheme ?? 'HTTP', 'HTTP');
      // The same path on the running vigil's admin listener (its port is free-picked here).
      assert.equal((await get(vigil.port('admin'), probe.httpGet.path)).status, 200, `${deployment.metadata.name} ${kind} GET ${probe.httpGet.path}`);
    }
    const annotations = deployment.spec.template.metadata.annotations!;
    assert.equal(Number(annotations['prometheus.io/port']), config.listen.admin.port, `${deployment.metadata.name}: scrape annotation`);
    const text = await (await get(vigil.port('admin'), annotations['prometheus.io/path'])).text();
    assert.ok(parsePrometheus(text).some((s) => s.name === 'vigil_events_received_total'));
  }
});

test('the compose Prometheus scrape target is vigil\'s admin port, and its metrics_path answers there', async () => {
  const [prometheus] = yamlDocuments('config/prometheus/prometheus.yml') as Array<{ scrape_configs: Array<{ job_name: string; scheme?: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }> }>;
  const job = prometheus.scrape_configs.find((s) => s.job_name === 'vigil')!;
  const [host, port] = job.static_configs[0].targets[0].split(':');
  assert.equal(host, 'vigil', 'the compose service');
  // vigil in compose: the image's default config and the compose environment.
  const compose = yamlDocuments('docker-compose.yml')[0] as { services: { vigil: { environment: Record<string, string>; ports: string[] } } };
  const composeEnv = Object.fromEntries(Object.entries(compose.services.vigil.environment).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'secret0123456789')]));
  const config = loadConfig({ ...imageEnv(), ...composeEnv, VIGIL_DATA_DIR: dir }, join(ROOT, 'config/default.yaml'));
  assert.equal(Number(port), config.listen.admin.port);
  assert.equal(config.listen.admin.host, '0.0.0.0', 'reachable from the Prometheus container');
  assert.ok(!compose.services.vigil.ports.some((p) => p.split(':').includes(port)), 'the admin port is not published beyond the compose network');
  assert.equal(job.scheme ?? 'http', 'http');
  const response = await get(vigil.port('admin'), job.metrics_path);
  assert.equal(response.status, 200);
  const samples = parsePrometheus(await response.text());
  assert.ok(samples.some((s) => s.name === 'vigil_security_events_total' || s.name === 'vigil_events_received_total'));
  // vigil_build_info from the compiled dist/ (as npm start and the image run it): package.json's version.
  const { version } = JSON.parse(readText('package.json')) as { version: string };
  const buildInfo = samples.filter((s) => s.name === 'vigil_build_info');
  assert.deepEqual(buildInfo.map((s) => [s.labels.version, s.value]), [[version, 1]]);
  assert.match(buildInfo[0].labels.node_version, /^v\d+\.\d+\.\d+$/);
});

test('with its own certificate the admin listener serves HTTPS, and the HEALTHCHECK follows it', async () => {
  const { cert, key } = selfSignedCert(mkdtempSync(join(dir, 'admin-')));
  const port = await freePort();
  const adminEnv = { VIGIL_ADMIN_PORT: String(port), VIGIL_ADMIN_TLS_CERT: cert, VIGIL_ADMIN_TLS_KEY: key, VIGIL_ADMIN_TOKEN: 'admin-0123456789abcdef' };
  const secured = await spawnVigil(adminEnv);
  try {
    await assert.rejects(get(port, '/healthz'), 'no plain HTTP once it has a certificate');
    const status = (path: string, headers: Record<string, string> = {}) => new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(await status('/healthz'), 200);
    assert.equal(await status('/metrics'), 401);
    assert.equal(await status('/metrics', { authorization: 'Bearer admin-0123456789abcdef' }), 200);
    const [program, ...args] = JSON.parse(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(readText('Dockerfile'))![1]) as string[];
    assert.equal(program, 'node');
    const healthEnv = { ...imageEnv(), PATH: process.env.PATH ?? '', VIGIL_DATA_DIR: secured.dataDir, VIGIL_HOST: '127.0.0.1', ...adminEnv };
    await run(process.execPath, args, { cwd: ROOT, env: healthEnv, timeout: 10_000 });
  } finally {
    await secured.stop();
  }
});
