import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createFramer, type SyslogFrame, type SyslogFramer } from '../../parsers/syslog/framing.ts';
import type { RawEvent } from '../normalize/raw-event.ts';
import type { Submit } from '../pipeline/submit.ts';
import type { SyslogListenerOptions } from './listener-options.ts';
import { readUntilQuiet } from './shutdown-grace.ts';
import { formatPeer } from './peer.ts';
import { peerKey } from './access/peer-key.ts';
import { createPeerConnections } from './access/peer-connections.ts';
import { createLogThrottle } from './log-throttle.ts';
import { MIN_TLS_VERSION, TLS_CIPHERS } from './tls-policy.ts';
import { DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS } from '../config/listener-defaults.ts';
import { sentClientCertificate, verifiedClientIdentity } from './client-certificate.ts';

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

interface Connection {
  readonly socket: net.Socket;
  readonly peer: string;
  /** The peer as per-peer limits count it (peerKey: IPv4 address, IPv6 /64), kept as a closed socket forgets it. */
  readonly source: string;
  /** The verified client certificate's identity (TLS with client certificates), stamped on every event. */
  readonly client: RawEvent['client'];
  readonly framer: SyslogFramer;
  /** Framed events not yet handed to submit, oldest first. */
  queue: RawEvent[];
  /** Batches whose submit was rejected, waiting for the retry, in the order they were read. */
  failed: Batch[];
  /** Submits not yet settled. */
  inFlight: Set<Promise<void>>;
  nextSeq: number;
  /** A submit was rejected: the socket stays paused until the retry. */
  blocked: boolean;
  ended: boolean;
  /** When the socket last gave data, epoch ms. */
  lastDataAt: number;
  idleTimer: NodeJS.Timeout | undefined;
  batchTimer: NodeJS.Timeout | undefined;
  retryTimer: NodeJS.Timeout | undefined;
}

interface Batch {
  seq: number;
  events: RawEvent[];
}

/**
 * Syslog over TCP or TLS: one framer per connection (RFC 6587 octet counting and LF framing),
 * events stamped and submitted in batches per connection. TCP senders can be made to wait, so
 * nothing is dropped on a rejected submit: the socket pauses and the same events are retried.
 */
export function createTcpListener(options: TcpListenerOptions): TcpListener {
  const input: RawEvent['input'] = options.tls ? 'tls' : 'tcp';
  const id = options.id ?? (options.tls ? 'syslog-tls' : 'syslog-tcp');
  const { submit, metrics } = options;
  const idleFlushMs = options.idleFlushMs ?? 25;
  const batchMaxEvents = options.batchMaxEvents ?? 500;
  const maxInFlight = options.maxInFlightSubmits ?? 4;
  const batchMaxWaitMs = options.batchMaxWaitMs ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  // Stop reading a socket whose events pile up while its submits are in flight: bounds memory per connection.
  const queueHighWater = batchMaxEvents * 2;
  const log = options.logger.child({ listener: id });
  const throttleRetryLog = createLogThrottle(10_000);
  const throttleLimitLog = createLogThrottle(10_000);
  const throttleHandshakeLog = createLogThrottle(10_000);
  const throttleDeniedLog = createLogThrottle(10_000);
  const throttleRateLog = createLogThrottle(10_000);
  const throttleIdleLog = createLogThrottle(10_000);
  const throttleCertificateLog = createLogThrottle(10_000);
  const idleTimeoutMs = options.idleTimeoutMs ?? 0;
  const perPeer = options.maxConnectionsPerPeer ? createPeerConnections(options.maxConnectionsPerPeer) : undefined;
  // Sockets refused before their TLS handshake: their aborted handshake is not worth a log line.
  const refused = new WeakSet<net.Socket>();
  // Connections still open or still holding events to submit.
  const connections = new Set<Connection>();
  let open = 0;
  let paused = false;
  let closing = false;

  metrics.initListener(id);
  metrics.connections.set({ listener: id }, 0);

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
    }, onConnection)
    : net.createServer(onConnection);
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

  function onConnection(socket: net.Socket): void {
    if (socket.destroyed) return;
    const tlsSocket = options.tls ? socket as tls.TLSSocket : undefined;
    if (tlsSocket && refuseUnverifiedCertificate(tlsSocket)) return;
    const conn: Connection = {
      socket,
      peer: formatPeer(socket.remoteAddress, socket.remotePort),
      source: peerKey(socket.remoteAddress),
      client: tlsSocket && verifiedClientIdentity(tlsSocket),
      framer: createFramer({ maxMessageBytes: options.maxMessageBytes, maxOctetCount: options.maxOctetCount }),
      queue: [],
      failed: [],
      inFlight: new Set(),
      nextSeq: 0,
      blocked: false,
      ended: false,
      lastDataAt: Date.now(),
      idleTimer: undefined,
      batchTimer: undefined,
      retryTimer: undefined,
    };
    connections.add(conn);
    open++;
    metrics.connections.inc({ listener: id });
    socket.setKeepAlive(true, 60_000);
    if (idleTimeoutMs > 0) {
      socket.setTimeout(idleTimeoutMs);
      socket.on('timeout', () => closeIdle(conn));
    }
    if (paused) socket.pause();

    socket.on('data', (chunk: Buffer) => {
      conn.lastDataAt = Date.now();
      enqueue(conn, conn.framer.push(chunk));
      if (conn.framer.holding) armIdleFlush(conn);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Resets and aborted handshakes are the sender's business; they must never take the process down.
      log.debug({ error, peer: conn.peer }, 'Syslog connection error');
    });
    socket.on('close', () => {
      open--;
      metrics.connections.dec({ listener: id });
      endConnection(conn);
    });
  }

  /** Nothing came for idleTimeoutMs: closed, unless vigil is the one not reading (see updateFlow, which arms it again). */
  function closeIdle(conn: Connection): void {
    if (conn.ended || conn.socket.isPaused()) return;
    throttleIdleLog((suppressed) => log.info(
      { peer: conn.peer, idleTimeoutMs, suppressedLogs: suppressed },
      'Closed a syslog connection idle for longer than the idle timeout'));
    conn.socket.destroy();
  }

  /** The sender is gone (or we are closing): what the framer holds is complete now. */
  function endConnection(conn: Connection): void {
    if (conn.ended) return;
    conn.ended = true;
    clearTimeout(conn.idleTimer);
    enqueue(conn, conn.framer.end());
    forgetIfDone(conn);
  }

  function armIdleFlush(conn: Connection): void {
    if (conn.idleTimer) conn.idleTimer.refresh();
    else conn.idleTimer = setTimeout(() => idleFlush(conn), idleFlushMs);
  }

  function idleFlush(conn: Connection): void {
    // Unread bytes of a paused socket may continue the held message: wait until it reads again.
    if (conn.ended || conn.socket.isPaused()) return;
    enqueue(conn, conn.framer.flush());
  }

  function enqueue(conn: Connection, frames: SyslogFrame[]): void {
    if (frames.length === 0) return;
    const receivedAt = Date.now();
    if (options.rateLimit) {
      const granted = options.rateLimit.grant(conn.source, frames.length);
      metrics.rateLimitPeers.set({ listener: id }, options.rateLimit.size);
      if (granted < frames.length) {
        const excess = frames.length - granted;
        metrics.dropped.inc({ listener: id, reason: 'rate_limited' }, excess);
        throttleRateLog((suppressed) => log.warn(
          { peer: conn.peer, events: excess, suppressedLogs: suppressed }, 'Dropped syslog events: the peer is over its events-per-second limit'));
        // Carry on even with nothing left: a connection that ended must still send what it queued.
        frames = frames.slice(0, granted);
      }
    }
    let truncated = 0;
    for (const frame of frames) {
      const event: RawEvent = { format: 'syslog', text: frame.text, receivedAt, input, listener: id, peer: conn.peer };
      if (conn.client) event.client = conn.client;
      if (frame.tags) {
        event.tags = frame.tags;
        if (frame.tags.includes('truncated')) truncated++;
      }
      conn.queue.push(event);
    }
    metrics.received.inc({ listener: id }, frames.length);
    if (truncated > 0) metrics.truncated.inc({ listener: id }, truncated);
    if (conn.queue.length >= batchMaxEvents || conn.ended) send(conn, conn.ended);
    else conn.batchTimer ??= setTimeout(() => send(conn, true), batchMaxWaitMs);
    updateFlow(conn);
  }

  /** Submit full batches while slots are free; with `partial` (timer, connection end) also the remainder. */
  function send(conn: Connection, partial: boolean): void {
    clearTimeout(conn.batchTimer);
    conn.batchTimer = undefined;
    if (conn.blocked || closing) return;
    while (conn.inFlight.size < maxInFlight && (conn.queue.length >= batchMaxEvents || (partial && conn.queue.length > 0))) {
      submitBatch(conn, { seq: conn.nextSeq++, events: conn.queue.splice(0, batchMaxEvents) });
    }
    // With every slot busy, the next settled submit sends the rest.
    if (conn.queue.length > 0 && conn.inFlight.size < maxInFlight) conn.batchTimer = setTimeout(() => send(conn, true), batchMaxWaitMs);
  }

  function submitBatch(conn: Connection, batch: Batch): void {
    const settled: Promise<void> = submit(batch.events).then(
      () => {
        conn.inFlight.delete(settled);
        send(conn, conn.ended);
        updateFlow(conn);
        forgetIfDone(conn);
      },
      (error: unknown) => {
        conn.inFlight.delete(settled);
        // Keep read order among failed batches, whatever order their rejections come in.
        conn.failed.push(batch);
        conn.failed.sort((a, b) => a.seq - b.seq);
        if (closing || conn.blocked) return;
        conn.blocked = true;
        updateFlow(conn);
        throttleRetryLog((suppressed) => log.warn(
          { error, peer: conn.peer, events: batch.events.length, retryInMs: retryDelayMs, suppressedLogs: suppressed },
          'Submit failed: pausing the connection and retrying the same events'));
        conn.retryTimer = setTimeout(() => retry(conn), retryDelayMs);
      },
    );
    conn.inFlight.add(settled);
  }

  /** Resubmit the rejected batches (once the other submits have settled), then carry on reading. */
  function retry(conn: Connection): void {
    conn.retryTimer = undefined;
    if (closing) return;
    if (conn.inFlight.size > 0) {
      conn.retryTimer = setTimeout(() => retry(conn), retryDelayMs);
      return;
    }
    const failed = conn.failed;
    conn.failed = [];
    conn.queue = failed.flatMap((batch) => batch.events).concat(conn.queue);
    conn.blocked = false;
    send(conn, true);
    updateFlow(conn);
  }

  function updateFlow(conn: Connection): void {
    if (conn.ended || conn.socket.destroyed) return;
    const hold = paused || conn.blocked || conn.queue.length >= queueHighWater;
    if (hold && !conn.socket.isPaused()) {
      conn.socket.pause();
    } else if (!hold && conn.socket.isPaused()) {
      conn.socket.resume();
      // The idle time starts again: while held back, the sender was waiting on vigil.
      if (idleTimeoutMs > 0) conn.socket.setTimeout(idleTimeoutMs);
      if (conn.framer.holding) armIdleFlush(conn);
    }
  }

  function forgetIfDone(conn: Connection): void {
    if (conn.ended && conn.queue.length === 0 && conn.failed.length === 0 && conn.inFlight.size === 0) {
      clearTimeout(conn.batchTimer);
      clearTimeout(conn.retryTimer);
      connections.delete(conn);
    }
  }

  /**
   * At shutdown (new connections refused by now), when a connection still being read last gave
   * data. Ended ones are done; held-back ones (backpressure, a failed submit) are not read, as
   * what they gave would not be stored; one paused by its own full queue resumes as submits complete.
   */
  function lastDataOfReadConnections(): number {
    let last = -Infinity;
    if (paused) return last;
    for (const conn of connections) {
      if (conn.ended || conn.blocked) continue;
      last = Math.max(last, conn.socket.isPaused() ? Date.now() : conn.lastDataAt);
    }
    return last;
  }

  /** Last attempt at shutdown: no more waiting, what fails now is dropped and counted. */
  async function drain(conn: Connection): Promise<void> {
    clearTimeout(conn.idleTimer);
    clearTimeout(conn.batchTimer);
    clearTimeout(conn.retryTimer);
    await Promise.all([...conn.inFlight]);
    let left = conn.failed.flatMap((batch) => batch.events).concat(conn.queue);
    conn.failed = [];
    conn.queue = [];
    while (left.length > 0) {
      const batch = left.splice(0, batchMaxEvents);
      try {
        await submit(batch);
      } catch (error) {
        const lost = batch.length + left.length;
        left = [];
        metrics.dropped.inc({ listener: id, reason: 'queue_unavailable' }, lost);
        log.error({ error, events: lost, peer: conn.peer }, 'Dropped syslog events at shutdown: the queue is unavailable');
      }
    }
    connections.delete(conn);
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
      for (const conn of connections) updateFlow(conn);
    },
    resume() {
      paused = false;
      for (const conn of connections) updateFlow(conn);
    },
    setSecureContext(context) {
      if (!(server instanceof tls.Server)) throw new Error(`${id} is not a TLS listener`);
      server.setSecureContext(context);
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
        endConnection(conn);
        conn.socket.destroy();
      }
      closing = true;
      await Promise.all([...connections].map(drain));
      await stopped;
    },
  };
}
