import { loadConfig } from '../config/load.ts';
import { enabledSinks } from '../pipeline/enabled-sinks.ts';

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
  console.log(`redis: ${config.redis.url ? 'external' : `embedded under ${config.data_dir}/redis`}`);
  console.log(`sinks: ${sinks.map((s) => s.name).join(', ')}`);
  return 0;
}
