import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { decodeMessage } from '../../parsers/syslog/framing.ts';
import type { RawEvent } from '../pipeline/raw-event.ts';
import type { SyslogListenerOptions } from './listener-options.ts';
import { formatPeer, peerIp } from './peer.ts';
import { createLogThrottle } from './log-throttle.ts';
import { readUntilQuiet } from './shutdown-grace.ts';

/** An IPv4 host gives a udp4 socket, an IPv6 one a udp6 socket. */
export interface UdpListenerOptions extends SyslogListenerOptions {
  /** Datagrams collected into one submit call (default 256)... */
  groupMaxEvents?: number;
  /** ...or for at most this long (default 5 ms), whichever comes first. */
  groupMaxWaitMs?: number;
  /**
   * Groups in flight at most (default 64): submit resolves only once events are stored, and UDP
   * cannot slow the sender, so beyond this datagrams are dropped (reason backpressure) rather than held.
   */
  maxInFlightSubmits?: number;
  /** SO_RCVBUF for bursts (the kernel may cap it); unset keeps the system default. */
  receiveBufferBytes?: number;
}

export interface UdpListener {
  readonly id: string;
  /** Binds the socket; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<AddressInfo>;
  /** Backpressure: datagrams are read and dropped (counted, reason backpressure) until resume(). */
  pause(): void;
  resume(): void;
  /**
   * Reads on while datagrams keep coming (up to shutdownGraceMs), then stops receiving, submits
   * what was collected and waits for submits in flight.
   */
  close(): Promise<void>;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/**
 * Syslog over UDP (RFC 5426): one message per datagram. Datagrams are stamped and collected for a
 * few milliseconds, then handed to submit together. UDP cannot slow a sender down, so when submit
 * rejects, the events are counted as dropped (reason queue_unavailable).
 */
export function createUdpListener(options: UdpListenerOptions): UdpListener {
  const id = 'syslog-udp';
  const { submit, metrics, logger } = options;
  const groupMaxEvents = options.groupMaxEvents ?? 256;
  const groupMaxWaitMs = options.groupMaxWaitMs ?? 5;
  const maxInFlight = options.maxInFlightSubmits ?? 64;
  const log = logger.child({ listener: id });
  const throttleDropLog = createLogThrottle(10_000);
  const throttleDeniedLog = createLogThrottle(10_000);
  const throttleRateLog = createLogThrottle(10_000);
  const inFlight = new Set<Promise<void>>();
  let group: RawEvent[] = [];
  let groupTimer: NodeJS.Timeout | undefined;
  let socket: dgram.Socket | undefined;
  let paused = false;
  /** Epoch ms; 0 until the first datagram. */
  let lastDatagramAt = 0;

  metrics.initListener(id);

  function onMessage(datagram: Buffer, remote: dgram.RemoteInfo): void {
    lastDatagramAt = Date.now();
    if (options.allow && !options.allow(remote.address)) {
      metrics.dropped.inc({ listener: id, reason: 'denied' });
      throttleDeniedLog((suppressed) => log.warn(
        { peer: formatPeer(remote.address, remote.port), suppressedLogs: suppressed }, 'Dropped a datagram: its source is not in listen.allow_cidrs.udp'));
      return;
    }
    if (options.rateLimit) {
      const granted = options.rateLimit.grant(peerIp(remote.address), 1) === 1;
      metrics.rateLimitPeers.set({ listener: id }, options.rateLimit.size);
      if (!granted) {
        metrics.dropped.inc({ listener: id, reason: 'rate_limited' });
        throttleRateLog((suppressed) => log.warn(
          { peer: formatPeer(remote.address, remote.port), suppressedLogs: suppressed }, 'Dropped a datagram: its source is over its events-per-second limit'));
        return;
      }
    }
    if (paused || inFlight.size >= maxInFlight) {
      metrics.dropped.inc({ listener: id, reason: 'backpressure' });
      throttleDropLog((suppressed) =>
        log.error({ paused, submitsInFlight: inFlight.size, suppressedLogs: suppressed }, 'Dropped UDP events: backpressure'));
      return;
    }
    const body = stripTrailer(datagram);
    if (body.length === 0) {
      metrics.dropped.inc({ listener: id, reason: 'invalid_frame' });
      return;
    }
    const frame = decodeMessage(body, options.maxMessageBytes);
    const event: RawEvent = {
      format: 'syslog',
      text: frame.text,
      receivedAt: Date.now(),
      input: 'udp',
      listener: id,
      peer: formatPeer(remote.address, remote.port),
    };
    if (frame.tags) {
      event.tags = frame.tags;
      if (frame.tags.includes('truncated')) metrics.truncated.inc({ listener: id });
    }
    group.push(event);
    if (group.length >= groupMaxEvents) sendGroup();
    else groupTimer ??= setTimeout(sendGroup, groupMaxWaitMs);
  }

  function sendGroup(): void {
    if (groupTimer) clearTimeout(groupTimer);
    groupTimer = undefined;
    if (group.length === 0) return;
    const events = group;
    group = [];
    metrics.received.inc({ listener: id }, events.length);
    const sent = submit(events).then(
      () => undefined,
      (error: unknown) => {
        metrics.dropped.inc({ listener: id, reason: 'queue_unavailable' }, events.length);
        throttleDropLog((suppressed) =>
          log.error({ error, events: events.length, suppressedLogs: suppressed }, 'Dropped UDP events: the queue is unavailable'));
      },
    );
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }

  return {
    id,
    listen() {
      return new Promise((resolve, reject) => {
        const created = dgram.createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
        socket = created;
        const failBind = (error: Error) => reject(error);
        created.once('error', failBind);
        created.on('message', onMessage);
        created.bind(options.port, options.host, () => {
          created.off('error', failBind);
          created.on('error', (error) => log.error({ error }, 'UDP socket error'));
          if (options.receiveBufferBytes) {
            try {
              created.setRecvBufferSize(options.receiveBufferBytes);
            } catch (error) {
              log.warn({ error }, 'Could not set the UDP receive buffer size');
            }
          }
          resolve(created.address());
        });
      });
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    async close() {
      // Datagrams in the socket's receive buffer would be discarded unread, and uncounted.
      await readUntilQuiet(() => (socket ? lastDatagramAt : -Infinity), options.shutdownGraceMs);
      const open = socket;
      socket = undefined;
      if (open) await new Promise<void>((resolve) => open.close(() => resolve()));
      sendGroup();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Many senders end a datagram with LF (or CRLF, or NUL); RFC 5426 has no trailer, so drop one. */
function stripTrailer(datagram: Buffer): Buffer {
  let end = datagram.length;
  if (end > 0 && (datagram[end - 1] === LF || datagram[end - 1] === NUL)) {
    end--;
    if (datagram[end] === LF && end > 0 && datagram[end - 1] === CR) end--;
  }
  return end === datagram.length ? datagram : datagram.subarray(0, end);
}
