import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Submit } from '../pipeline/submit.ts';
import { createAllowlist } from './access/allowlist.ts';
import { rateLimiterFor } from './access/rate-limit.ts';
import { bind } from './bind.ts';
import { createTcpListener, type TcpListener } from './tcp.ts';
import { readPem, recordExpiry, type TlsPem } from './tls-context.ts';
import { createUdpListener, type UdpListener } from './udp.ts';

export interface SyslogListenersDeps {
  submit: Submit;
  metrics: Metrics;
  logger: Logger;
  /** Reloads a listener's certificate when its files change (and on SIGHUP). */
  watchCertificates(listener: string, files: { cert: string; key: string; ca?: string }, apply: (pem: TlsPem) => void): void;
}

export interface SyslogListeners {
  listeners: Array<UdpListener | TcpListener>;
  addresses: { udp?: AddressInfo; tcp?: AddressInfo; tls?: AddressInfo };
}

/**
 * The syslog listeners listen.* turns on (UDP, TCP, TLS), each bound. One that cannot bind fails
 * the start naming its key; those already bound are closed first.
 */
export async function startSyslogListeners(listen: Config['listen'], deps: SyslogListenersDeps): Promise<SyslogListeners> {
  const { submit, metrics, logger, watchCertificates } = deps;
  const addresses: SyslogListeners['addresses'] = {};
  const started: SyslogListeners['listeners'] = [];
  try {
    const common = {
      host: listen.host, submit, metrics, logger, maxMessageBytes: listen.max_message_bytes, shutdownGraceMs: listen.shutdown_grace_ms,
    };
    const tcpLimits = {
      maxConnections: listen.max_connections, maxConnectionsPerPeer: listen.max_connections_per_peer, idleTimeoutMs: listen.tcp_idle_timeout_ms,
    };
    if (listen.syslog_udp_port !== null) {
      const udp = createUdpListener({
        ...common, port: listen.syslog_udp_port, allow: createAllowlist(listen.allow_cidrs.udp), rateLimit: rateLimiterFor(listen.rate_limit),
        receiveBufferBytes: listen.udp_receive_buffer_bytes,
      });
      addresses.udp = await bind('syslog_udp_port', listen.host, listen.syslog_udp_port, () => udp.listen());
      started.push(udp);
    }
    if (listen.syslog_tcp_port !== null) {
      const tcp = createTcpListener({
        ...common, ...tcpLimits, port: listen.syslog_tcp_port, allow: createAllowlist(listen.allow_cidrs.tcp), rateLimit: rateLimiterFor(listen.rate_limit),
      });
      addresses.tcp = await bind('syslog_tcp_port', listen.host, listen.syslog_tcp_port, () => tcp.listen());
      started.push(tcp);
    }
    if (listen.syslog_tls_port !== null) {
      const { cert, key, ca, client_auth: clientAuth } = listen.tls;
      if (!cert || !key) throw new Error('listen.syslog_tls_port is set but listen.tls.cert and listen.tls.key are not');
      const pem = readPem('listen.tls', { cert, key, ca });
      const tlsListener = createTcpListener({
        ...common,
        ...tcpLimits,
        port: listen.syslog_tls_port,
        allow: createAllowlist(listen.allow_cidrs.tls),
        rateLimit: rateLimiterFor(listen.rate_limit),
        tls: {
          ...pem, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required', handshakeTimeoutMs: listen.tls_handshake_timeout_ms,
        },
      });
      addresses.tls = await bind('syslog_tls_port', listen.host, listen.syslog_tls_port, () => tlsListener.listen());
      started.push(tlsListener);
      recordExpiry(metrics, tlsListener.id, pem.cert);
      watchCertificates(tlsListener.id, { cert, key, ca }, (next) => tlsListener.setSecureContext(next));
    }
  } catch (error) {
    await Promise.all(started.map((listener) => listener.close().catch(() => undefined)));
    throw error;
  }
  return { listeners: started, addresses };
}
