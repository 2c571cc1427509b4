import type net from 'node:net';
import type tls from 'node:tls';
import { createFramer, type SyslogFrame, type SyslogFramer } from '../../parsers/syslog/framing.ts';
import type { RawEvent } from '../normalize/raw-event.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RateLimiter } from './access/rate-limit.ts';
import { peerKey } from './access/peer-key.ts';
import { verifiedClientIdentity } from './client-certificate.ts';
import type { createLogThrottle } from './log-throttle.ts';
import { OrderedSubmitter, type OrderedSubmitOptions } from './ordered-submit.ts';
import { formatPeer } from './peer.ts';

type LogThrottle = ReturnType<typeof createLogThrottle>;

/** What every connection of one listener shares. */
export interface ConnectionContext {
  id: string;
  input: RawEvent['input'];
  metrics: Metrics;
  log: Logger;
  maxMessageBytes: number;
  maxOctetCount?: number;
  rateLimit?: RateLimiter;
  /** Quiet time after which a held LF message is taken as complete. */
  idleFlushMs: number;
  /** A connection that sent nothing for this long is closed (0: never). */
  idleTimeoutMs: number;
  /** Stop reading a connection with this many events waiting for a submit slot. */
  queueHighWater: number;
  /** The listener holds every connection back (backpressure). */
  paused(): boolean;
  throttleRateLog: LogThrottle;
  throttleIdleLog: LogThrottle;
  throttleRetryLog: LogThrottle;
  /** How the events are submitted, but for the per-connection callbacks. */
  submitting: Omit<OrderedSubmitOptions, 'onFlow' | 'onSettled' | 'onRejected' | 'onLost'>;
  /** The connection ended and every event it gave is submitted. */
  onDone(connection: SyslogConnection): void;
}

/**
 * One syslog TCP or TLS connection: its bytes through a framer (RFC 6587 octet counting and LF
 * framing) into stamped events, handed in order to its submitter; it stops reading while the
 * listener or its own submits hold it back, and closes when idle too long.
 */
export class SyslogConnection {
  readonly socket: net.Socket;
  readonly peer: string;
  /** The peer as per-peer limits count it (peerKey: IPv4 address, IPv6 /64), kept as a closed socket forgets it. */
  readonly #source: string;
  /** The verified client certificate's identity (TLS with client certificates), stamped on every event. */
  readonly #client: RawEvent['client'];
  readonly #framer: SyslogFramer;
  readonly #context: ConnectionContext;
  readonly submitter: OrderedSubmitter;
  #ended = false;
  /** When the socket last gave data, epoch ms. */
  #lastDataAt = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(socket: net.Socket, tlsSocket: tls.TLSSocket | undefined, context: ConnectionContext) {
    this.socket = socket;
    this.peer = formatPeer(socket.remoteAddress, socket.remotePort);
    this.#source = peerKey(socket.remoteAddress);
    this.#client = tlsSocket && verifiedClientIdentity(tlsSocket);
    this.#framer = createFramer({ maxMessageBytes: context.maxMessageBytes, maxOctetCount: context.maxOctetCount });
    this.#context = context;
    const { log, submitting } = context;
    this.submitter = new OrderedSubmitter({
      ...submitting,
      onFlow: () => this.updateFlow(),
      onSettled: () => this.#forgetIfDone(),
      onRejected: (error, events) => context.throttleRetryLog((suppressed) => log.warn(
        { error, peer: this.peer, events, retryInMs: submitting.retryDelayMs, suppressedLogs: suppressed },
        'Submit failed: pausing the connection and retrying the same events')),
      onLost: (error, events) => {
        context.metrics.dropped.inc({ listener: context.id, reason: 'queue_unavailable' }, events);
        log.error({ error, events, peer: this.peer }, 'Dropped syslog events at shutdown: the queue is unavailable');
      },
    });
    socket.setKeepAlive(true, 60_000);
    if (context.idleTimeoutMs > 0) {
      socket.setTimeout(context.idleTimeoutMs);
      socket.on('timeout', () => this.#closeIdle());
    }
    if (context.paused()) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.#lastDataAt = Date.now();
      this.#enqueue(this.#framer.push(chunk));
      if (this.#framer.holding) this.#armIdleFlush();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Resets and aborted handshakes are the sender's business; they must never take the process down.
      log.debug({ error, peer: this.peer }, 'Syslog connection error');
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** When the socket last gave data, epoch ms. */
  get lastDataAt(): number {
    return this.#lastDataAt;
  }

  /** The sender is gone (or we are closing): what the framer holds is complete now. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.submitter.end();
    clearTimeout(this.#idleTimer);
    this.#enqueue(this.#framer.end());
    this.#forgetIfDone();
  }

  /** Last attempt at shutdown: see OrderedSubmitter.drain. */
  async drain(): Promise<void> {
    clearTimeout(this.#idleTimer);
    await this.submitter.drain();
  }

  /** Read or hold back, as the listener (backpressure) and this connection's submits allow. */
  updateFlow(): void {
    if (this.#ended || this.socket.destroyed) return;
    const { submitter } = this;
    const hold = this.#context.paused() || submitter.blocked || submitter.queued >= this.#context.queueHighWater;
    if (hold && !this.socket.isPaused()) {
      this.socket.pause();
    } else if (!hold && this.socket.isPaused()) {
      this.socket.resume();
      // The idle time starts again: while held back, the sender was waiting on vigil.
      if (this.#context.idleTimeoutMs > 0) this.socket.setTimeout(this.#context.idleTimeoutMs);
      if (this.#framer.holding) this.#armIdleFlush();
    }
  }

  /** Nothing came for idleTimeoutMs: closed, unless vigil is the one not reading (see updateFlow, which arms it again). */
  #closeIdle(): void {
    if (this.#ended || this.socket.isPaused()) return;
    const { log, idleTimeoutMs } = this.#context;
    this.#context.throttleIdleLog((suppressed) => log.info(
      { peer: this.peer, idleTimeoutMs, suppressedLogs: suppressed },
      'Closed a syslog connection idle for longer than the idle timeout'));
    this.socket.destroy();
  }

  #armIdleFlush(): void {
    if (this.#idleTimer) this.#idleTimer.refresh();
    else this.#idleTimer = setTimeout(() => this.#idleFlush(), this.#context.idleFlushMs);
  }

  #idleFlush(): void {
    // Unread bytes of a paused socket may continue the held message: wait until it reads again.
    if (this.#ended || this.socket.isPaused()) return;
    this.#enqueue(this.#framer.flush());
  }

  /** Frames become stamped events, within the peer's rate limit, and go to the submitter. */
  #enqueue(frames: SyslogFrame[]): void {
    if (frames.length === 0) return;
    const { id, input, metrics, rateLimit, log } = this.#context;
    const receivedAt = Date.now();
    if (rateLimit) {
      const granted = rateLimit.grant(this.#source, frames.length);
      metrics.rateLimitPeers.set({ listener: id }, rateLimit.size);
      if (granted < frames.length) {
        const excess = frames.length - granted;
        metrics.dropped.inc({ listener: id, reason: 'rate_limited' }, excess);
        this.#context.throttleRateLog((suppressed) => log.warn(
          { peer: this.peer, events: excess, suppressedLogs: suppressed }, 'Dropped syslog events: the peer is over its events-per-second limit'));
        // Carry on even with nothing left: a connection that ended must still send what it queued.
        frames = frames.slice(0, granted);
      }
    }
    let truncated = 0;
    const events: RawEvent[] = [];
    for (const frame of frames) {
      const event: RawEvent = { format: 'syslog', text: frame.text, receivedAt, input, listener: id, peer: this.peer };
      if (this.#client) event.client = this.#client;
      if (frame.tags) {
        event.tags = frame.tags;
        if (frame.tags.includes('truncated')) truncated++;
      }
      events.push(event);
    }
    metrics.received.inc({ listener: id }, frames.length);
    if (truncated > 0) metrics.truncated.inc({ listener: id }, truncated);
    this.submitter.add(events);
  }

  #forgetIfDone(): void {
    if (this.#ended && this.submitter.done) {
      this.submitter.stop();
      this.#context.onDone(this);
    }
  }
}
