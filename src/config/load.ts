import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { sinks } from '../sinks/index.ts';
import { enabledSinks } from './enabled-sinks.ts';
import { configSchema, deliverySchema, type Config } from './schema.ts';
import { ConfigError } from './errors.ts';
import { interpolateEnv } from './interpolate.ts';
import { check } from './issues.ts';
import { implicitlyOpenRoutes, openRoutesMessage } from './exposure.ts';
import { WEBHOOK_KINDS } from './webhook-auth.ts';

export const DEFAULT_CONFIG_FILE = 'config/default.yaml';

type Env = Record<string, string | undefined>;

/**
 * Environment variables that override config keys. Each also has a `<NAME>_FILE` form that reads
 * the value from a file (for secrets mounted by Docker or Kubernetes).
 */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: string[]; kind: 'string' | 'port' | 'integer' | 'list' }> = [
  { env: 'VIGIL_DATA_DIR', path: ['data_dir'], kind: 'string' },
  { env: 'VIGIL_ROLE', path: ['role'], kind: 'string' },
  { env: 'VIGIL_LOG_LEVEL', path: ['log_level'], kind: 'string' },
  { env: 'VIGIL_LOG_FORMAT', path: ['log_format'], kind: 'string' },
  { env: 'REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { env: 'REDIS_PASSWORD', path: ['redis', 'password'], kind: 'string' },
  { env: 'VIGIL_REDIS_CONNECT_TIMEOUT_MS', path: ['redis', 'connect_timeout_ms'], kind: 'integer' },
  { env: 'REDIS_USERNAME', path: ['redis', 'username'], kind: 'string' },
  { env: 'REDIS_SENTINELS', path: ['redis', 'sentinels'], kind: 'list' },
  { env: 'REDIS_SENTINEL_MASTER', path: ['redis', 'master_name'], kind: 'string' },
  { env: 'REDIS_SENTINEL_USERNAME', path: ['redis', 'sentinel_username'], kind: 'string' },
  { env: 'REDIS_SENTINEL_PASSWORD', path: ['redis', 'sentinel_password'], kind: 'string' },
  { env: 'REDIS_CLUSTER', path: ['redis', 'cluster'], kind: 'list' },
  { env: 'REDIS_TLS_CA', path: ['redis', 'tls', 'ca'], kind: 'string' },
  { env: 'REDIS_MIN_REPLICAS_ACK', path: ['redis', 'min_replicas_ack'], kind: 'integer' },
  { env: 'VIGIL_REDIS_MIN_REPLICAS_TIMEOUT_MS', path: ['redis', 'min_replicas_timeout_ms'], kind: 'integer' },
  { env: 'VIGIL_HEARTBEAT_INTERVAL_MS', path: ['nodes', 'heartbeat_interval_ms'], kind: 'integer' },
  { env: 'VIGIL_SINK_SET_CHECK', path: ['nodes', 'sink_set_check'], kind: 'string' },
  { env: 'VIGIL_HOST', path: ['listen', 'host'], kind: 'string' },
  { env: 'VIGIL_HTTP_PORT', path: ['listen', 'http_port'], kind: 'port' },
  { env: 'VIGIL_SYSLOG_UDP_PORT', path: ['listen', 'syslog_udp_port'], kind: 'port' },
  { env: 'VIGIL_SYSLOG_TCP_PORT', path: ['listen', 'syslog_tcp_port'], kind: 'port' },
  { env: 'VIGIL_SYSLOG_TLS_PORT', path: ['listen', 'syslog_tls_port'], kind: 'port' },
  { env: 'VIGIL_TLS_CERT', path: ['listen', 'tls', 'cert'], kind: 'string' },
  { env: 'VIGIL_TLS_KEY', path: ['listen', 'tls', 'key'], kind: 'string' },
  { env: 'VIGIL_TLS_CA', path: ['listen', 'tls', 'ca'], kind: 'string' },
  { env: 'VIGIL_WEBHOOK_TOKEN', path: ['webhooks', 'token'], kind: 'string' },
  // The admin listener: health, readiness and metrics (probes and Prometheus).
  { env: 'VIGIL_ADMIN_HOST', path: ['listen', 'admin', 'host'], kind: 'string' },
  { env: 'VIGIL_ADMIN_PORT', path: ['listen', 'admin', 'port'], kind: 'port' },
  { env: 'VIGIL_ADMIN_TOKEN', path: ['listen', 'admin', 'token'], kind: 'string' },
  { env: 'VIGIL_ADMIN_TLS_CERT', path: ['listen', 'admin', 'tls', 'cert'], kind: 'string' },
  { env: 'VIGIL_ADMIN_TLS_KEY', path: ['listen', 'admin', 'tls', 'key'], kind: 'string' },
  // Security: HTTPS certificate and webhook credentials (secrets come from here or files, never the command line).
  { env: 'VIGIL_HTTP_TLS_CERT', path: ['listen', 'http_tls', 'cert'], kind: 'string' },
  { env: 'VIGIL_HTTP_TLS_KEY', path: ['listen', 'http_tls', 'key'], kind: 'string' },
  { env: 'VIGIL_HTTP_TLS_CA', path: ['listen', 'http_tls', 'ca'], kind: 'string' },
  { env: 'VIGIL_WEBHOOK_AUTH', path: ['webhooks', 'auth'], kind: 'string' },
  { env: 'VIGIL_WEBHOOK_USERNAME', path: ['webhooks', 'username'], kind: 'string' },
  { env: 'VIGIL_WEBHOOK_PASSWORD', path: ['webhooks', 'password'], kind: 'string' },
  // VIGIL_WEBHOOK_NEUVECTOR_TOKEN, VIGIL_WEBHOOK_K8S_AUDIT_PASSWORD, ...: one route's own auth.
  ...WEBHOOK_KINDS.flatMap((kind) => (['auth', 'token', 'username', 'password'] as const).map((key) => ({
    env: `VIGIL_WEBHOOK_${kind.toUpperCase().replace(/-/g, '_')}_${key.toUpperCase()}`,
    path: ['webhooks', 'routes', kind, key],
    kind: 'string' as const,
  }))),
  // VIGIL_ES_URL, VIGIL_LOKI_PASSWORD, ...: each sink declares its own (src/sinks/<name>/index.ts).
  ...Object.entries(sinks).flatMap(([name, factory]) => Object.entries(factory.env ?? {}).map(([env, path]) => ({
    env,
    path: ['sinks', name, ...path],
    kind: 'string' as const,
  }))),
];

/**
 * Reads the YAML file named by VIGIL_CONFIG (or the default), replaces its `${VAR}` references,
 * applies env overrides, validates. Every problem of the file is reported at once.
 */
export function loadConfig(env: Env = process.env, file = env.VIGIL_CONFIG || DEFAULT_CONFIG_FILE): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('VIGIL_ERR_CONFIG_READ', [`${file}: ${(error as Error).message}`]);
  }
  const yaml = parseDocument(text, { prettyErrors: false });
  if (yaml.errors.length) {
    throw new ConfigError('VIGIL_ERR_CONFIG_YAML', yaml.errors.map((error) => `${file}: ${error.message.split('\n')[0]}`));
  }
  const unset = interpolateEnv(yaml, env);
  const doc: unknown = yaml.toJS() ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('VIGIL_ERR_CONFIG_YAML', [`${file}: the top level must be a mapping`]);
  }
  const result = check(configSchema, applyEnv(doc as Record<string, unknown>, env));
  if (!result.success || unset.length) {
    const failed = unset.map(({ path }) => path.join('.'));
    // A value whose reference failed is reported as that, not also as a wrong type.
    const other = [...(result.success ? [] : result.problems), ...sinkProblems(doc as Record<string, unknown>)]
      .filter((line) => !failed.some((key) => line.startsWith(`${key}:`) || line.startsWith(`${key}.`)));
    throw new ConfigError('VIGIL_ERR_CONFIG_INVALID', [...unset.map(({ path, problem }) => `${path.join('.')}: ${problem}`), ...other]);
  }
  return withResolvedPaths(result.data);
}

export function parseConfig(doc: unknown): Config {
  const result = check(configSchema, doc);
  if (!result.success) throw new ConfigError('VIGIL_ERR_CONFIG_INVALID', result.problems);
  return withResolvedPaths(result.data);
}

/**
 * The sink sections' problems, for a file whose other keys failed: sinks are validated by their
 * own schemas once the rest is valid (enabledSinks), and this lists theirs in the same pass.
 */
function sinkProblems(doc: Record<string, unknown>): string[] {
  const { sinks, delivery } = doc;
  if (typeof sinks !== 'object' || sinks === null || Array.isArray(sinks)) return [];
  const policy = deliverySchema.safeParse(delivery ?? {});
  try {
    enabledSinks({ data_dir: '.', sinks, delivery: policy.success ? policy.data : deliverySchema.parse({}) } as Config);
    return [];
  } catch (error) {
    return error instanceof ConfigError ? error.problems : [];
  }
}

function withResolvedPaths(config: Config): Config {
  config.data_dir = resolve(config.data_dir);
  const open = implicitlyOpenRoutes(config);
  if (open.length) throw new ConfigError('VIGIL_ERR_WEBHOOK_UNAUTHENTICATED', [openRoutesMessage(config.listen.host, open)]);
  return config;
}

export { describeIssues } from './issues.ts';

function applyEnv(doc: Record<string, unknown>, env: Env): Record<string, unknown> {
  const problems: string[] = [];
  for (const { env: name, path, kind } of ENV_OVERRIDES) {
    let raw = env[name];
    const fromFile = env[`${name}_FILE`];
    if (raw === undefined && fromFile) {
      try {
        raw = readFileSync(fromFile, 'utf8').trim();
      } catch (error) {
        problems.push(`${name}_FILE: ${(error as Error).message}`);
        continue;
      }
    }
    if (raw === undefined || raw === '') continue;
    let value: unknown = kind === 'list' ? raw.split(',').map((item) => item.trim()).filter(Boolean) : raw;
    if (kind === 'port' || kind === 'integer') {
      if (kind === 'port' && raw === 'off') value = 'off';
      else if (/^\d+$/.test(raw)) value = Number(raw);
      else {
        problems.push(`${name}: expected ${kind === 'port' ? 'a port number or off' : 'a whole number'}, got "${raw}"`);
        continue;
      }
    }
    setPath(doc, path, value);
  }
  if (problems.length) throw new ConfigError('VIGIL_ERR_CONFIG_ENV', problems);
  return doc;
}

function setPath(doc: Record<string, unknown>, path: string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
