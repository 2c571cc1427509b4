import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { RawEvent } from '../normalize/raw-event.ts';
import type { SyslogListenerOptions } from './listener-options.ts';
import { readUntilQuiet } from './shutdown-grace.ts';
import { createLogThrottle } from './log-throttle.ts';
import { SyslogConnection, type ConnectionContext } from './tcp-connection.ts';
import { createStreamServer, type TlsListenerOptions } from './tcp-server.ts';

export type { TlsListenerOptions };

export interface TcpListenerOptions extends SyslogListenerOptions {
  /** Open connections allowed; a new one beyond this is closed at once (dropped, reason connection_limit). */
  maxConnections: number;
  /**
   * Open connections allowed per source (an IPv4 address, an IPv6 /64), counted as they arrive,
   * before any TLS handshake; beyond it a new one is closed at once (reason peer_connection_limit).
   */
  maxConnectionsPerPeer?: number;
  /**
   * A connection that has sent nothing for this long is closed (unset or 0: never). Also ends one
   * that announced a long octet-counted frame and stalled. Not counted while vigil itself holds the
   * connection back (backpressure, a failed submit): the sender is waiting on vigil then.
   */
  idleTimeoutMs?: number;
  /** Syslog over TLS (RFC 5425) when given; plain TCP otherwise. */
  tls?: TlsListenerOptions;
  /** Listener id; default 'syslog-tls' with tls, else 'syslog-tcp'. */
  id?: string;
  /** Quiet time after which a held LF message is taken as complete (default 25 ms). */
  idleFlushMs?: number;
  /** Events per submit call (default 500)... */
  batchMaxEvents?: number;
  /** ...or collected for at most this long (default 5 ms). */
  batchMaxWaitMs?: number;
  /**
   * Submits in flight per connection (default 4). Submit resolves only once events are stored, so
   * one at a time would cap a busy connection at one batch per storage round trip.
   */
  maxInFlightSubmits?: number;
  /** Wait before retrying events whose submit was rejected; the socket stays paused meanwhile (default 1000 ms). */
  retryDelayMs?: number;
  /** Largest believable octet-count MSG-LEN (see FramerOptions). */
  maxOctetCount?: number;
}

export interface TcpListener {
  readonly id: string;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<AddressInfo>;
  /** Stop reading from every socket (backpressure): senders' kernel buffers fill, as syslog over TCP expects. */
  pause(): void;
  /** Read again, unless a socket is held back by its own failed submit or full queue. */
  resume(): void;
  readonly connectionCount: number;
  /** TLS only: serve new connections with this certificate/key/CA (certificate reload); open ones keep theirs. */
  setSecureContext(context: tls.SecureContextOptions): void;
  /** Open connections whose reading is paused (backpressure, failed submit, full queue). */
  readonly pausedConnections: number;
  /**
   * Stops accepting, reads what senders already sent (up to shutdownGraceMs), then ends every
   * connection (releasing held and partial frames) and submits what was read, once more for
   * events whose submit had failed; what still fails is counted dropped.
   */
  close(): Promise<void>;
}

/**
 * Syslog over TCP or TLS: the server admits connections (tcp-server.ts), each connection frames
 * and stamps its events (tcp-connection.ts) and submits them in order (ordered-submit.ts). TCP
 * senders can be made to wait, so nothing is dropped on a rejected submit: the socket pauses and
 * the same events are retried.
 */
export function createTcpListener(options: TcpListenerOptions): TcpListener {
  const input: RawEvent['input'] = options.tls ? 'tls' : 'tcp';
  const id = options.id ?? (options.tls ? 'syslog-tls' : 'syslog-tcp');
  const { metrics } = options;
  const batchMaxEvents = options.batchMaxEvents ?? 500;
  // Connections still open or still holding events to submit.
  const connections = new Set<SyslogConnection>();
  let open = 0;
  let paused = false;
  let closing = false;
  const context: ConnectionContext = {
    id,
    input,
    metrics,
    log: options.logger.child({ listener: id }),
    maxMessageBytes: options.maxMessageBytes,
    maxOctetCount: options.maxOctetCount,
    rateLimit: options.rateLimit,
    idleFlushMs: options.idleFlushMs ?? 25,
    idleTimeoutMs: options.idleTimeoutMs ?? 0,
    // Stop reading a socket whose events pile up while its submits are in flight: bounds memory per connection.
    queueHighWater: batchMaxEvents * 2,
    paused: () => paused,
    throttleRateLog: createLogThrottle(10_000),
    throttleIdleLog: createLogThrottle(10_000),
    throttleRetryLog: createLogThrottle(10_000),
    submitting: {
      submit: options.submit,
      batchMaxEvents,
      batchMaxWaitMs: options.batchMaxWaitMs ?? 5,
      maxInFlight: options.maxInFlightSubmits ?? 4,
      retryDelayMs: options.retryDelayMs ?? 1000,
      closing: () => closing,
    },
    onDone: (conn) => connections.delete(conn),
  };

  metrics.initListener(id);
  metrics.connections.set({ listener: id }, 0);
  const server = createStreamServer({ ...options, id }, (socket) => {
    const conn = new SyslogConnection(socket, options.tls ? socket as tls.TLSSocket : undefined, context);
    connections.add(conn);
    open++;
    metrics.connections.inc({ listener: id });
    socket.on('close', () => {
      open--;
      metrics.connections.dec({ listener: id });
      conn.end();
    });
  });

  /**
   * At shutdown (new connections refused by now), when a connection still being read last gave
   * data. Ended ones are done; held-back ones (backpressure, a failed submit) are not read, as
   * what they gave would not be stored; one paused by its own full queue resumes as submits complete.
   */
  function lastDataOfReadConnections(): number {
    let last = -Infinity;
    if (paused) return last;
    for (const conn of connections) {
      if (conn.ended || conn.submitter.blocked) continue;
      last = Math.max(last, conn.socket.isPaused() ? Date.now() : conn.lastDataAt);
    }
    return last;
  }

  return {
    id,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    pause() {
      paused = true;
      for (const conn of connections) conn.updateFlow();
    },
    resume() {
      paused = false;
      for (const conn of connections) conn.updateFlow();
    },
    setSecureContext(secure) {
      if (!(server instanceof tls.Server)) throw new Error(`${id} is not a TLS listener`);
      server.setSecureContext(secure);
    },
    get connectionCount() {
      return open;
    },
    get pausedConnections() {
      let count = 0;
      for (const conn of connections) if (!conn.ended && conn.socket.isPaused()) count++;
      return count;
    },
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await readUntilQuiet(lastDataOfReadConnections, options.shutdownGraceMs);
      for (const conn of connections) {
        conn.end();
        conn.socket.destroy();
      }
      closing = true;
      await Promise.all([...connections].map(async (conn) => {
        await conn.drain();
        connections.delete(conn);
      }));
      await stopped;
    },
  };
}
