import { loadConfig } from '../config/load.ts';
import { exposureWarnings, isLoopback } from '../config/exposure.ts';
import { resolveWebhookAuth, WEBHOOK_KINDS } from '../config/webhook-auth.ts';
import { enabledSinks } from '../config/enabled-sinks.ts';

/** Validates the configuration (file + environment) and prints what would run; exit 2 names each bad key. */
export function runCheckConfig(): number {
  const config = loadConfig();
  const sinks = enabledSinks(config);
  const { listen } = config;
  const ports = [
    `http ${listen.http_port ?? 'off'}`,
    `syslog udp ${listen.syslog_udp_port ?? 'off'}`,
    `syslog tcp ${listen.syslog_tcp_port ?? 'off'}`,
    `syslog tls ${listen.syslog_tls_port ?? 'off'}`,
  ];
  console.log(`config ok: role ${config.role}; listen ${listen.host}: ${ports.join(', ')}`);
  const { admin } = listen;
  console.log(admin.port === null ? 'admin: off'
    : `admin: ${admin.tls.cert ? 'https' : 'http'}://${admin.host}:${admin.port} (/healthz, /readyz, /metrics${admin.token ? ' with a bearer token' : ''})`);
  if (listen.http_port !== null) {
    const { routes, explicitNone } = resolveWebhookAuth(config.webhooks, listen.http_tls);
    const local = isLoopback(listen.host) ? ', this machine only' : '';
    for (const kind of WEBHOOK_KINDS) {
      const type = routes[kind].type;
      const note = type !== 'none' ? '' : ` (${explicitNone.has(kind) ? 'set for this route' : 'no auth configured'}${local})`;
      console.log(`webhook /ingest/${kind}: auth ${type}${note}`);
    }
  }
  console.log(`redis: ${config.redis.url ? 'external' : `embedded under ${config.data_dir}/redis`}`);
  console.log(`sinks: ${sinks.map((s) => (s.name === s.type ? s.name : `${s.name} (${s.type})`)).join(', ')}`);
  for (const warning of exposureWarnings(config)) console.error(`WARNING: ${warning}`);
  return 0;
}
