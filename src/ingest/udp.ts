import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { Worker } from 'node:worker_threads';
import { DEFAULT_UDP_RECEIVE_BUFFER_BYTES } from '../config/listener-defaults.ts';
import type { RawEvent } from '../normalize/raw-event.ts';
import type { SyslogListenerOptions } from './listener-options.ts';
import { formatPeer } from './peer.ts';
import { peerKey } from './access/peer-key.ts';
import { createLogThrottle } from './log-throttle.ts';
import type { FromUdpThread, ToUdpThread, UdpDatagram, UdpThreadOptions } from './udp-thread-protocol.ts';

/** The thread's entry beside this file: .ts when run from source, .js when run from the build. */
const THREAD_ENTRY = new URL(`./udp-thread${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/** An IPv4 host gives a udp4 socket, an IPv6 one a udp6 socket. */
export interface UdpListenerOptions extends SyslogListenerOptions {
  /** Datagrams collected into one submit call (default 256)... */
  groupMaxEvents?: number;
  /** ...or for at most this long (default 5 ms), whichever comes first. */
  groupMaxWaitMs?: number;
  /**
   * Events handed to submit and not yet stored, at most (default 16,384, about 16 MB): submit
   * resolves only once events are stored, and UDP cannot slow the sender, so beyond this datagrams
   * are dropped (reason backpressure) rather than held. Counted in events, not submit calls, so the
   * small groups of a moderate rate get the same room as full ones.
   */
  maxEventsInFlight?: number;
  /**
   * SO_RCVBUF asked for (default DEFAULT_UDP_RECEIVE_BUFFER_BYTES; 0 keeps the system default).
   * Linux caps it at net.core.rmem_max and doubles it for its own bookkeeping (socket(7)).
   */
  receiveBufferBytes?: number;
  /** How often the kernel's count of datagrams dropped on the socket is read (default 1000 ms). */
  dropPollMs?: number;
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

/**
 * Syslog over UDP (RFC 5426): one message per datagram. The socket is read on its own thread
 * (udp-thread.ts), which frames and stamps datagrams and posts them here in groups of a few
 * milliseconds; each group is handed to submit as one call. UDP cannot slow a sender down, so what
 * cannot be taken is dropped and counted by reason: backpressure, queue_unavailable, and
 * receive_buffer for what the kernel dropped because the socket's buffer was full.
 */
export function createUdpListener(options: UdpListenerOptions): UdpListener {
  const id = 'syslog-udp';
  const { submit, metrics, logger } = options;
  const maxInFlight = options.maxEventsInFlight ?? 16_384;
  const groupMaxEvents = options.groupMaxEvents ?? 256;
  const log = logger.child({ listener: id });
  const throttleDropLog = createLogThrottle(10_000);
  const throttleDeniedLog = createLogThrottle(10_000);
  const throttleRateLog = createLogThrottle(10_000);
  const throttleKernelLog = createLogThrottle(10_000);
  const inFlight = new Set<Promise<void>>();
  let eventsInFlight = 0;
  let worker: Worker | undefined;
  let closed: Promise<void> | undefined;
  let paused = false;
  let receiveBufferBytes = 0;

  metrics.initListener(id);

  function dropBackpressure(count: number): void {
    metrics.dropped.inc({ listener: id, reason: 'backpressure' }, count);
    throttleDropLog((suppressed) =>
      log.error({ paused, eventsInFlight, suppressedLogs: suppressed }, 'Dropped UDP events: backpressure'));
  }

  /** Access checks and limits per datagram, then the group's accepted events go to submit as one call. */
  function onGroup(datagrams: UdpDatagram[], threadDrops: number): void {
    if (threadDrops > 0) dropBackpressure(threadDrops);
    const events: RawEvent[] = [];
    for (const datagram of datagrams) {
      if (options.allow && !options.allow(datagram.address)) {
        metrics.dropped.inc({ listener: id, reason: 'denied' });
        throttleDeniedLog((suppressed) => log.warn(
          { peer: formatPeer(datagram.address, datagram.port), suppressedLogs: suppressed }, 'Dropped a datagram: its source is not in listen.allow_cidrs.udp'));
        continue;
      }
      if (options.rateLimit) {
        const granted = options.rateLimit.grant(peerKey(datagram.address), 1) === 1;
        metrics.rateLimitPeers.set({ listener: id }, options.rateLimit.size);
        if (!granted) {
          metrics.dropped.inc({ listener: id, reason: 'rate_limited' });
          throttleRateLog((suppressed) => log.warn(
            { peer: formatPeer(datagram.address, datagram.port), suppressedLogs: suppressed }, 'Dropped a datagram: its source is over its events-per-second limit'));
          continue;
        }
      }
      if (paused || eventsInFlight + events.length >= maxInFlight) {
        dropBackpressure(1);
        continue;
      }
      if (datagram.text === '') {
        metrics.dropped.inc({ listener: id, reason: 'invalid_frame' });
        continue;
      }
      const event: RawEvent = {
        format: 'syslog', text: datagram.text, receivedAt: datagram.receivedAt, input: 'udp', listener: id, peer: formatPeer(datagram.address, datagram.port),
      };
      if (datagram.tags) {
        event.tags = datagram.tags;
        if (datagram.tags.includes('truncated')) metrics.truncated.inc({ listener: id });
      }
      events.push(event);
    }
    if (events.length) submitEvents(events);
  }

  function submitEvents(events: RawEvent[]): void {
    metrics.received.inc({ listener: id }, events.length);
    eventsInFlight += events.length;
    const sent = submit(events).then(
      () => undefined,
      (error: unknown) => {
        metrics.dropped.inc({ listener: id, reason: 'queue_unavailable' }, events.length);
        throttleDropLog((suppressed) =>
          log.error({ error, events: events.length, suppressedLogs: suppressed }, 'Dropped UDP events: the queue is unavailable'));
      },
    );
    inFlight.add(sent);
    void sent.finally(() => {
      inFlight.delete(sent);
      eventsInFlight -= events.length;
    });
  }

  function onKernelDrops(count: number): void {
    metrics.dropped.inc({ listener: id, reason: 'receive_buffer' }, count);
    throttleKernelLog((suppressed) => log.error(
      { dropped: count, receiveBufferBytes, suppressedLogs: suppressed },
      'The kernel dropped UDP datagrams: the socket receive buffer was full (see listen.udp_receive_buffer_bytes and net.core.rmem_max)'));
  }

  /** Says when the kernel gave less than asked: Linux doubles a granted SO_RCVBUF, so less than twice the request was capped. */
  function reportBufferSize(granted: number, setError: string | undefined): void {
    const requested = options.receiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER_BYTES;
    if (setError) log.warn({ requested, granted, error: setError }, 'Could not set the UDP receive buffer size');
    else if (requested > 0 && granted < (process.platform === 'linux' ? 2 * requested : requested)) {
      log.warn({ requested, granted }, `The kernel capped the UDP receive buffer: raise net.core.rmem_max to at least ${requested} (sysctl) to get what listen.udp_receive_buffer_bytes asks for`);
    } else log.info({ requested, granted }, 'UDP receive buffer set');
  }

  return {
    id,
    listen() {
      const threadOptions: UdpThreadOptions = {
        host: options.host,
        port: options.port,
        type: isIPv6(options.host) ? 'udp6' : 'udp4',
        maxMessageBytes: options.maxMessageBytes,
        receiveBufferBytes: options.receiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER_BYTES,
        groupMaxEvents,
        groupMaxWaitMs: options.groupMaxWaitMs ?? 5,
        // About 0.4 s of 40,000 datagrams/s of 1 KB: a main thread busy that long catches up without a drop.
        maxUnackedBytes: 16 * 1024 * 1024,
        dropPollMs: options.dropPollMs ?? 1000,
      };
      // The thread holds a group and some framing garbage at a time: a small heap is plenty.
      const started = new Worker(THREAD_ENTRY, { workerData: threadOptions, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 } });
      worker = started;
      const send = (message: ToUdpThread) => started.postMessage(message);
      return new Promise((resolve, reject) => {
        let finish: (() => void) | undefined;
        closed = new Promise<void>((resolveClosed) => (finish = resolveClosed));
        started.on('message', (message: FromUdpThread) => {
          switch (message.type) {
            case 'listening':
              receiveBufferBytes = message.receiveBufferBytes;
              reportBufferSize(message.receiveBufferBytes, message.setError);
              resolve(message.address);
              break;
            case 'bind-error':
              reject(Object.assign(new Error(message.message), { code: message.code }));
              void started.terminate();
              break;
            case 'socket-error':
              log.error({ error: message.message }, 'UDP socket error');
              break;
            case 'group':
              send({ type: 'ack', bytes: message.bytes });
              onGroup(message.datagrams, message.backpressureDrops);
              break;
            case 'drops':
              onKernelDrops(message.receiveBuffer);
              break;
            case 'closed':
              finish?.();
              break;
          }
        });
        started.on('error', (error) => {
          log.error({ error }, 'UDP thread crashed');
          reject(error);
        });
        started.on('exit', () => {
          finish?.();
          reject(new Error('the UDP thread exited before it listened'));
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
      const open = worker;
      worker = undefined;
      if (open) {
        open.postMessage({ type: 'close', graceMs: options.shutdownGraceMs } satisfies ToUdpThread);
        await closed;
        await open.terminate();
      }
      await Promise.allSettled([...inFlight]);
    },
  };
}
