import net from 'node:net';
import tls from 'node:tls';
import { DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS } from '../config/listener-defaults.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AddressCheck } from './access/allowlist.ts';
import { createPeerConnections } from './access/peer-connections.ts';
import { sentClientCertificate } from './client-certificate.ts';
import { createLogThrottle } from './log-throttle.ts';
import { formatPeer } from './peer.ts';
import { MIN_TLS_VERSION, TLS_CIPHERS } from './tls-policy.ts';

export interface TlsListenerOptions {
  /** PEM contents (not paths): the server certificate chain and its key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA(s) that client certificates must chain to (mTLS). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask clients for a certificate (mTLS). */
  requestCert?: boolean;
  /**
   * With requestCert: refuse clients without a valid certificate (default true, as in node:tls).
   * False makes the certificate optional: a client sending none is served, one whose certificate
   * fails verification is still refused.
   */
  rejectUnauthorized?: boolean;
  minVersion?: tls.SecureVersion;
  /** A connection whose handshake has not finished after this long is closed (default DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number;
}

export interface StreamServerOptions {
  /** Listener id, for metrics and logs. */
  id: string;
  metrics: Metrics;
  logger: Logger;
  /** Open connections allowed; a new one beyond this is closed at once (dropped, reason connection_limit). */
  maxConnections: number;
  /** Open connections allowed per source, counted as they arrive, before any TLS handshake (reason peer_connection_limit). */
  maxConnectionsPerPeer?: number;
  /** Source addresses allowed to connect (unset: everyone); others are closed at once (reason denied). */
  allow?: AddressCheck;
  /** TLS (RFC 5425) when given; plain TCP otherwise. */
  tls?: TlsListenerOptions;
}

/**
 * The TCP or TLS server of a syslog listener: it admits connections (allowlist, connection limits,
 * verified client certificates) and hands each admitted socket to `onConnection`; what is refused
 * is closed at once and counted dropped with its reason.
 */
export function createStreamServer(options: StreamServerOptions, onConnection: (socket: net.Socket) => void): net.Server {
  const { id, metrics } = options;
  const log = options.logger.child({ listener: id });
  const throttleLimitLog = createLogThrottle(10_000);
  const throttleHandshakeLog = createLogThrottle(10_000);
  const throttleDeniedLog = createLogThrottle(10_000);
  const throttleCertificateLog = createLogThrottle(10_000);
  const perPeer = options.maxConnectionsPerPeer ? createPeerConnections(options.maxConnectionsPerPeer) : undefined;
  // Sockets refused before their TLS handshake: their aborted handshake is not worth a log line.
  const refused = new WeakSet<net.Socket>();

  const accept = (socket: net.Socket) => {
    if (socket.destroyed) return;
    if (options.tls && refuseUnverifiedCertificate(socket as tls.TLSSocket)) return;
    onConnection(socket);
  };
  const server = options.tls
    ? tls.createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      requestCert: options.tls.requestCert ?? false,
      rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
      minVersion: options.tls.minVersion ?? MIN_TLS_VERSION,
      ciphers: TLS_CIPHERS,
      handshakeTimeout: options.tls.handshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
    }, accept)
    : net.createServer(accept);
  server.maxConnections = options.maxConnections;
  server.on('drop', (data) => {
    metrics.dropped.inc({ listener: id, reason: 'connection_limit' });
    throttleLimitLog((suppressed) => log.warn(
      { peer: formatPeer(data?.remoteAddress, data?.remotePort), maxConnections: options.maxConnections, suppressedLogs: suppressed },
      'Refused a connection: the listener is at its connection limit'));
  });
  // Runs before node's own TLS handling, so a refused peer costs no handshake.
  server.prependListener('connection', admit);
  server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
    // node only reports a handshake timeout (and some failures): the connection is closed here, or
    // it would hold its slot forever.
    socket.destroy();
    // node wraps the raw socket (its _parent) that admit() may already have refused.
    if (refused.has((socket as unknown as { _parent?: net.Socket })._parent ?? socket)) return;
    throttleHandshakeLog((suppressed) => log.warn(
      { error, peer: formatPeer(socket.remoteAddress, socket.remotePort), suppressedLogs: suppressed }, 'TLS handshake failed'));
  });
  server.on('error', (error) => log.error({ error }, 'Syslog listener error'));
  return server;

  /**
   * On the raw TCP connection, before any TLS handshake: the source allowlist, then connections per
   * source, counted from arrival so connections that never finish a handshake count too.
   */
  function admit(socket: net.Socket): void {
    if (options.allow && !options.allow(socket.remoteAddress)) {
      refuse(socket, 'denied');
      throttleDeniedLog((suppressed) => log.warn(
        { peer: formatPeer(socket.remoteAddress, socket.remotePort), suppressedLogs: suppressed },
        'Refused a connection: its source is not in the listener allowlist'));
      return;
    }
    if (perPeer && !perPeer.admit(socket)) {
      refuse(socket, 'peer_connection_limit');
      throttleLimitLog((suppressed) => log.warn(
        { peer: formatPeer(socket.remoteAddress, socket.remotePort), maxConnectionsPerPeer: options.maxConnectionsPerPeer, suppressedLogs: suppressed },
        'Refused a connection: the peer is at its connection limit'));
    }
  }

  function refuse(socket: net.Socket, reason: 'denied' | 'peer_connection_limit'): void {
    refused.add(socket);
    socket.destroy();
    metrics.dropped.inc({ listener: id, reason });
  }

  /**
   * With optional client certificates node serves a client whose certificate failed verification
   * (rejectUnauthorized false): such a client is refused here, before anything it sent is read.
   */
  function refuseUnverifiedCertificate(socket: tls.TLSSocket): boolean {
    if (!options.tls?.requestCert || socket.authorized || !sentClientCertificate(socket)) return false;
    socket.destroy();
    metrics.dropped.inc({ listener: id, reason: 'bad_client_certificate' });
    throttleCertificateLog((suppressed) => log.warn(
      { peer: formatPeer(socket.remoteAddress, socket.remotePort), reason: String(socket.authorizationError), suppressedLogs: suppressed },
      'Refused a connection: its client certificate failed verification'));
    return true;
  }
}
