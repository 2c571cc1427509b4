import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { resolveWebhookAuth } from '../../src/config/webhook-auth.ts';
import { enabledSinks } from '../../src/config/enabled-sinks.ts';
import { ROOT, readText, vigilEnvNames, yamlDocuments } from './known.ts';
import { requireProgram, skipUnlessInstalled } from '../support/real-program.ts';

// No Docker engine is needed: the file is parsed and checked here, and by docker-compose below.

interface Service {
  image?: string;
  build?: string;
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  read_only?: boolean;
  security_opt?: string[];
}
const compose = yamlDocuments('docker-compose.yml')[0] as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;

/** What an operator must set before `docker compose up` (docs/deploy.md). */
const SECRETS: Record<string, string> = {
  VIGIL_WEBHOOK_TOKEN: 'webhooktoken0123456789',
  VIGIL_ES_PASSWORD: 'vigilpassword0123',
  ELASTIC_PASSWORD: 'elasticpassword0123',
  KIBANA_SYSTEM_PASSWORD: 'kibanapassword0123',
  GRAFANA_ADMIN_PASSWORD: 'grafanapassword0123',
};

/** Compose's interpolation of one value: ${VAR}, ${VAR:-default}, ${VAR:?error}, and $$ for a literal $. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const set = env[name!];
    if (set !== undefined && set !== '') return set;
    if (op === ':?') throw new Error(`${name} is required: ${arg}`);
    return op === ':-' ? arg! : '';
  });
}

const requiredVariables = (text: string) => new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((match) => match[1]));

/** The image's tag: a version with at least major.minor, never latest. */
const pinned = (image: string) => /:v?\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/.test(image);

test('the stack: vigil, Redis, Elasticsearch, Kibana, Loki, Grafana and Prometheus, every image pinned', () => {
  for (const name of ['vigil', 'redis', 'elasticsearch', 'kibana', 'kibana-import', 'elasticsearch-setup', 'loki', 'grafana', 'prometheus']) {
    assert.ok(services[name], `no ${name} service`);
  }
  assert.equal(services.vigil.build, '.');
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.image, `${name} has no image`);
    assert.ok(pinned(service.image), `${name}: ${service.image} is not pinned to a version`);
  }
});

test('depends_on names real services, waits on healthchecks and one-shot jobs, and has no cycle', () => {
  const dockerfile = readText('Dockerfile');
  const hasHealthcheck = (name: string) => Boolean(services[name].healthcheck) || (services[name].build === '.' && /^HEALTHCHECK /m.test(dockerfile));
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      assert.ok(services[dependency], `${name} depends on unknown ${dependency}`);
      assert.ok(['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition), `${name} → ${dependency}: ${condition}`);
      if (condition === 'service_healthy') assert.ok(hasHealthcheck(dependency), `${name} waits for ${dependency} to be healthy, which has no healthcheck`);
      if (condition === 'service_completed_successfully') assert.equal(services[dependency].restart, 'no', `${dependency} is a one-shot job: restart "no"`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]) => {
    assert.ok(!visiting.has(name), `dependency cycle: ${[...path, name].join(' → ')}`);
    if (done.has(name)) return;
    visiting.add(name);
    for (const dependency of Object.keys(services[name].depends_on ?? {})) visit(dependency, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  // vigil starts only once Redis can take writes and its Elasticsearch user exists.
  assert.equal(services.vigil.depends_on?.redis.condition, 'service_healthy');
  assert.equal(services.vigil.depends_on?.['elasticsearch-setup'].condition, 'service_completed_successfully');
  assert.equal(services['kibana-import'].depends_on?.kibana.condition, 'service_healthy');
});

test('every volume is declared or a file of this repository', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const [source, target] = volume.split(':');
      assert.ok(target?.startsWith('/'), `${name}: ${volume}`);
      if (source.startsWith('./')) assert.ok(existsSync(join(ROOT, source)), `${name} mounts ${source}, which does not exist`);
      else assert.ok(source in compose.volumes, `${name} mounts undeclared volume ${source}`);
    }
  }
  for (const script of ['config/compose/elasticsearch-setup.sh', 'config/compose/kibana-import.sh']) {
    assert.equal(spawnSync('sh', ['-n', join(ROOT, script)]).status, 0, `${script} is not valid sh`);
  }
});

test('vigil gets only variables it reads, and they configure Redis, Elasticsearch and Loki in this stack', () => {
  const known = vigilEnvNames();
  const environment = services.vigil.environment!;
  for (const name of Object.keys(environment)) assert.ok(known.has(name), `vigil does not read ${name}`);

  const env = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(value, SECRETS)]));
  const config = loadConfig({ ...env, VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-compose-')) }, join(ROOT, 'config/default.yaml'));
  assert.deepEqual(enabledSinks(config).map((sink) => sink.name).sort(), ['elasticsearch', 'loki']);
  assert.equal(config.webhooks.token, SECRETS.VIGIL_WEBHOOK_TOKEN);
  // Every route has auth: in the image vigil binds every interface (Dockerfile VIGIL_HOST).
  assert.match(readText('Dockerfile'), /^ENV .*\bVIGIL_HOST=0\.0\.0\.0\b/m);
  for (const [kind, auth] of Object.entries(resolveWebhookAuth(config.webhooks, config.listen.http_tls).routes)) assert.equal(auth.type, 'token', `/ingest/${kind}`);

  const host = (url: string) => new URL(url).hostname;
  assert.equal(host(config.redis.url!), 'redis');
  const es = config.sinks.elasticsearch as { url: string; username: string; password: string };
  assert.equal(host(es.url), 'elasticsearch');
  // The least-privilege user elasticsearch-setup creates, never the elastic superuser.
  assert.equal(es.username, 'vigil');
  assert.equal(es.password, SECRETS.VIGIL_ES_PASSWORD);
  assert.match(readText('config/compose/elasticsearch-setup.sh'), /_security\/user\/vigil "/);
  assert.equal(host((config.sinks.loki as { url: string }).url), 'loki');
  assert.ok(services.loki.ports?.some((port) => port.endsWith(':3100')));
});

test('secrets are required from the environment, never written in the file', () => {
  const text = readText('docker-compose.yml');
  assert.deepEqual(requiredVariables(text), new Set(Object.keys(SECRETS)));
  for (const [name, service] of Object.entries(services)) {
    for (const [variable, value] of Object.entries(service.environment ?? {})) {
      if (/PASSWORD|TOKEN/.test(variable)) assert.match(value, /^\$\{[A-Z_]+:[?-]/, `${name}.${variable} is not taken from the environment`);
    }
  }
  assert.throws(() => interpolate(services.vigil.environment!.VIGIL_WEBHOOK_TOKEN, {}), /VIGIL_WEBHOOK_TOKEN is required/);
});

test('vigil runs hardened and listens for senders; every other published port stays on 127.0.0.1', () => {
  assert.equal(services.vigil.read_only, true);
  for (const [name, service] of Object.entries(services)) {
    if (service.restart === 'no') continue; // one-shot setup jobs
    assert.equal(service.restart, 'unless-stopped', name);
    assert.ok(service.security_opt?.includes('no-new-privileges:true'), `${name} may gain privileges`);
  }
  assert.deepEqual(services.vigil.ports, ['8080:8080', '5514:5514/tcp', '5514:5514/udp']);
  for (const [name, service] of Object.entries(services)) {
    if (name === 'vigil') continue;
    for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} beyond this host`);
  }
  assert.deepEqual(services.elasticsearch.environment?.['xpack.security.enabled'], 'true');
  assert.equal(services.grafana.environment?.GF_AUTH_ANONYMOUS_ENABLED, 'false');
});

test('the image is built in two stages and checks its own health', () => {
  const dockerfile = readText('Dockerfile');
  assert.equal(dockerfile.match(/^FROM /gm)?.length, 2);
  assert.match(dockerfile, /^COPY --from=build /m);
  // The check itself runs against a live vigil in health-checks.test.ts.
  assert.match(dockerfile, /^HEALTHCHECK .*\n\s*CMD \["node", "dist\/src\/admin\/healthcheck\.js"\]$/m);
});

// Debian's docker-compose (1.29, the Python implementation) is the real Compose parser that runs
// offline here: it validates the file against the Compose schema and interpolates it. It predates
// the top-level `name` key (Compose Spec, `docker compose` v2), so it gets the file without that
// one line and the same project name as -p; the test above checks that line.
const skipCompose = skipUnlessInstalled('docker-compose', 'apt-get install docker-compose');

function composeConfig(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  requireProgram('docker-compose', 'apt-get install docker-compose');
  const text = readText('docker-compose.yml');
  const project = /^name: (\S+)$/m.exec(text)?.[1];
  assert.equal(project, 'vigil', 'the file names its project');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
  try {
    const file = join(dir, 'docker-compose.yml');
    writeFileSync(file, text.replace(/^name: \S+\n/m, ''));
    const { PATH, HOME } = process.env;
    return spawnSync('docker-compose', ['--project-name', project, '--project-directory', ROOT, '-f', file, 'config'], {
      env: { PATH, HOME, ...env }, encoding: 'utf8', timeout: 60_000,
    }) as { status: number | null; stdout: string; stderr: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('docker-compose config: the real Compose parser accepts the file and interpolates the secrets', { skip: skipCompose }, () => {
  const result = composeConfig(SECRETS);
  assert.equal(result.status, 0, result.stderr);
  const rendered = parse(result.stdout) as { services: Record<string, Service & { volumes?: Array<string | { source: string }> }> };
  assert.deepEqual(Object.keys(rendered.services).sort(), Object.keys(services).sort());
  const vigil = rendered.services.vigil.environment!;
  assert.equal(vigil.VIGIL_WEBHOOK_TOKEN, SECRETS.VIGIL_WEBHOOK_TOKEN);
  assert.equal(vigil.VIGIL_ES_PASSWORD, SECRETS.VIGIL_ES_PASSWORD);
  // Compose's interpolation and ours (used by the tests above) agree on every vigil variable.
  for (const [name, value] of Object.entries(services.vigil.environment!)) {
    assert.equal(vigil[name] ?? '', interpolate(value, SECRETS), `${name} as docker-compose interpolates it`);
  }
});

test('docker-compose config refuses to render without each required secret, naming it', { skip: skipCompose }, () => {
  for (const name of Object.keys(SECRETS)) {
    const result = composeConfig(Object.fromEntries(Object.entries(SECRETS).filter(([key]) => key !== name)));
    assert.notEqual(result.status, 0, `renders without ${name}`);
    assert.match(result.stderr, new RegExp(`set ${name}`), `${name}: ${result.stderr}`);
  }
});

test('the Elasticsearch healthcheck authenticates without the password on any command line', { skip: spawnSync('curl', ['--version']).status === 0 ? false : 'curl not installed' }, async () => {
  const [kind, script] = services.elasticsearch.healthcheck!.test;
  assert.equal(kind, 'CMD-SHELL');
  const command = interpolate(script, SECRETS);
  assert.ok(!command.includes(SECRETS.ELASTIC_PASSWORD), 'the password is not written into the command');
  // Run it as the container would (sh -c, ELASTIC_PASSWORD in the environment) against a stand-in that checks the credentials.
  const { createServer } = await import('node:http');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    const ok = req.headers.authorization === `Basic ${Buffer.from(`elastic:${SECRETS.ELASTIC_PASSWORD}`).toString('base64')}`;
    res.writeHead(ok ? 200 : 401).end('{"status":"green"}');
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const local = command.replace('http://localhost:9200', `http://127.0.0.1:${port}`);
    // A curl in front of the real one records its arguments: what `ps` would show other users.
    const shims = mkdtempSync(join(tmpdir(), 'vigil-curl-'));
    const realCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(shims, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" >> ${join(shims, 'argv')}\nexec ${realCurl} "$@"\n`, { mode: 0o755 });
    const { spawn } = await import('node:child_process');
    const exitCode = (env: Record<string, string>) => new Promise<number | null>((resolve) => {
      spawn('sh', ['-c', local], { env: { PATH: `${shims}:${process.env.PATH ?? ''}`, ...env }, stdio: 'ignore' }).once('exit', resolve);
    });
    assert.equal(await exitCode({ ELASTIC_PASSWORD: SECRETS.ELASTIC_PASSWORD }), 0);
    assert.notEqual(await exitCode({ ELASTIC_PASSWORD: 'wrong' }), 0, 'a wrong password fails the check');
    assert.equal(seen.length, 2);
    const argv = readFileSync(join(shims, 'argv'), 'utf8');
    assert.match(argv, /_cluster\/health/, 'the shim saw curl run');
    assert.ok(!argv.includes(SECRETS.ELASTIC_PASSWORD), `the password is on curl's command line:\n${argv}`);
  } finally {
    server.close();
  }
});
