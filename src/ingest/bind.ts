import { VigilError } from '../config/errors.ts';
import { ENV_OVERRIDES } from '../config/load.ts';

/** Why a listener could not bind, by error code: the start fails naming its key and variable. */
const BIND_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is in use by another process',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EPERM: 'not permitted',
  EADDRNOTAVAIL: 'the address is not one of this host\'s (listen.host, VIGIL_HOST)',
  ENOTFOUND: 'listen.host (VIGIL_HOST) does not resolve',
  EAI_AGAIN: 'listen.host (VIGIL_HOST) could not be resolved',
};

/** Binds a listener; one that cannot is an expected failure naming its key and variable. */
export async function bind<T>(key: 'http_port' | 'syslog_udp_port' | 'syslog_tcp_port' | 'syslog_tls_port' | 'admin.port', host: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !BIND_FAILURES[code]) throw error;
    const env = ENV_OVERRIDES.find((o) => o.path.join('.') === `listen.${key}`)!.env;
    throw new VigilError('VIGIL_ERR_LISTEN', [`listen.${key} (${env}): cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${BIND_FAILURES[code]} (${code})`]);
  }
}
