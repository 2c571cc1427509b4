import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { mutate, octetFrame, type Rng } from './mutate.ts';

/**
 * Senders of hostile frames, one per listener kind. Each returns what it sent and what it saw, and
 * throws if a connection or request gets no answer in time: a listener that hangs fails the test.
 */

const HOST = '127.0.0.1';
/** Longest wait for one connection or request to finish before it counts as a hang. */
const HANG_MS = 60_000;

/** The largest payload a UDP/IPv4 datagram can carry. */
const MAX_DATAGRAM = 65_507;

export interface UdpResult {
  sent: number;
  /** Datagrams the kernel dropped for vigil's socket (its receive buffer was full), from /proc/net/udp. */
  kernelDrops: number;
}

/**
 * Datagrams, paced on the receiver's kernel queue (so nearly all reach vigil and the few the kernel
 * drops are counted from /proc/net/udp, not guessed).
 */
export async function fuzzUdp(port: number, count: number, rng: Rng, pool: readonly Buffer[]): Promise<UdpResult> {
  const socket = dgram.createSocket('udp4');
  const dropsBefore = udpSocketStats(port).drops;
  let sent = 0;
  try {
    while (sent < count) {
      const burst = Math.min(64, count - sent);
      const sends: Array<Promise<boolean>> = [];
      for (let i = 0; i < burst; i++) {
        let datagram = rng.chance(0.002) ? Buffer.alloc(0) : mutate(rng, pool);
        if (rng.chance(0.2)) datagram = Buffer.concat([datagram, Buffer.from(rng.pick(['\n', '\r\n', '\0', '\n\n']))]);
        if (datagram.length > MAX_DATAGRAM) datagram = datagram.subarray(0, MAX_DATAGRAM);
        sends.push(new Promise((resolve) => socket.send(datagram, port, HOST, (error) => resolve(!error))));
      }
      sent += (await Promise.all(sends)).filter(Boolean).length;
      while (udpSocketStats(port).rxQueue > 128 * 1024) await sleep(1);
    }
  } finally {
    socket.close();
  }
  await sleep(200);
  return { sent, kernelDrops: udpSocketStats(port).drops - dropsBefore };
}

/** Receive queue and drop count of the UDP socket bound to 127.0.0.1:port (Linux /proc/net/udp). */
export function udpSocketStats(port: number): { rxQueue: number; drops: number } {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local) return { rxQueue: parseInt(fields[4].split(':')[1], 16), drops: Number(fields[12]) };
  }
  throw new Error(`no UDP socket on ${local} in /proc/net/udp`);
}

export type Framing = 'lf' | 'octet' | 'mixed';

/** One connection's bytes: `frames` hostile messages in the given framing. */
export function streamBytes(rng: Rng, pool: readonly Buffer[], frames: number, framing: Framing): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < frames; i++) {
    const message = mutate(rng, pool);
    const octet = framing === 'octet' || (framing === 'mixed' && rng.chance(0.5));
    if (octet) parts.push(octetFrame(rng, message, i === frames - 1));
    else parts.push(message, Buffer.from(rng.chance(0.9) ? '\n' : rng.pick(['\r\n', '\n\n', '', '\0'])));
  }
  return Buffer.concat(parts);
}

/** Writes `bytes` on a fresh connection, ends it, and waits until the listener has closed it too. */
export function sendStream(connect: () => net.Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`a connection was not closed within ${HANG_MS} ms of its end`));
    }, HANG_MS);
    socket.on('error', () => undefined); // a listener may reset garbage: 'close' follows
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume(); // read (and discard) whatever comes back, so the close is seen
    socket.end(bytes);
  });
}

/** `connections` connections of `perConnection` frames each, `parallel` at a time; returns the frames sent. */
export async function fuzzStreams(
  connect: () => net.Socket, rng: Rng, pool: readonly Buffer[],
  options: { frames: number; perConnection: number; parallel: number; framing: Framing },
): Promise<number> {
  let left = options.frames;
  const lane = async () => {
    while (left > 0) {
      const frames = Math.min(options.perConnection, left);
      left -= frames;
      await sendStream(connect, streamBytes(rng, pool, frames, options.framing));
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, lane));
  return options.frames;
}

export const tcpConnect = (port: number) => () => net.connect(port, HOST);
export const tlsConnect = (port: number) => () => tls.connect({ port, host: HOST, rejectUnauthorized: false });

export interface HttpRoute {
  path: string;
  pool: readonly Buffer[];
  contentTypes: readonly string[];
}

export interface HttpResult {
  sent: number;
  /** Answers by status code. */
  statuses: Map<number, number>;
}

const ODD_CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
  'application/xml', '', ';;;', 'application/json' + 'x'.repeat(2000), 'APPLICATION/JSON', 'application/problem+json',
  'application/x-ndjson', 'text/plain; charset=\u00ff',
];

/** Well-formed HTTP requests with hostile bodies, headers and content types, `parallel` at a time over keep-alive. */
export async function fuzzHttp(port: number, count: number, rng: Rng, routes: readonly HttpRoute[], parallel = 8): Promise<HttpResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const statuses = new Map<number, number>();
  let left = count;
  const lane = async () => {
    while (left > 0) {
      left--;
      const route = rng.pick(routes);
      const body = rng.chance(0.02) ? Buffer.alloc(0) : mutate(rng, route.pool, { deep: true });
      const headers: Record<string, string> = {};
      const contentType = rng.chance(0.8) ? rng.pick(route.contentTypes) : rng.pick(ODD_CONTENT_TYPES);
      if (contentType !== '' || rng.chance(0.5)) headers['content-type'] = contentType.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
      if (rng.chance(0.02)) headers['content-encoding'] = rng.pick(['gzip', 'br', 'identity', 'x']);
      let path = route.path;
      if (rng.chance(0.03)) path += rng.pick(['/extra', '?token=x', '/../json', '%00', '?a=' + 'b'.repeat(3000)]);
      const status = await request(agent, port, path, headers, body);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, lane));
  } finally {
    agent.destroy();
  }
  return { sent: count, statuses };
}

function request(agent: http.Agent, port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path, method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } });
    req.setTimeout(HANG_MS, () => req.destroy(new Error(`POST ${path.slice(0, 80)} got no answer within ${HANG_MS} ms`)));
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Malformed HTTP on raw connections: chunked garbage, lying Content-Length, oversized headers,
 * random bytes. Each connection must be answered or closed, never left hanging.
 */
export async function fuzzRawHttp(port: number, count: number, rng: Rng, paths: readonly string[]): Promise<number> {
  const makers: Array<() => Buffer> = [
    () => Buffer.concat([
      Buffer.from(`POST ${rng.pick(paths)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`),
      ...Array.from({ length: 1 + rng.int(6) }, () => rng.pick([
        Buffer.from(`${rng.pick(['zz', 'fffffffffffffffff', '-1', '5', '0', '1;ext=' + 'x'.repeat(100), ''])}\r\n`),
        rng.bytes(rng.int(64)), Buffer.from('\r\n'), Buffer.from('{"a":1}\r\n'),
      ])),
    ]),
    () => Buffer.from(`POST ${rng.pick(paths)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${rng.pick(['100', '-5', '99999999999999999999', 'abc', '10, 20'])}\r\n\r\n{"a":`),
    () => Buffer.from(`POST ${rng.pick(paths)} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000 + rng.int(60_000))}\r\n\r\n`),
    () => Buffer.from(`POST ${rng.pick(paths)} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`),
    () => Buffer.concat([Buffer.from(`${rng.pick(['POST', 'GET', 'BREW', 'P\0ST'])} ${rng.pick(paths)} HTTP/${rng.pick(['1.1', '2.0', '9.9', '1'])}\r\n`), rng.bytes(rng.int(300))]),
    () => rng.bytes(1 + rng.int(2000)),
  ];
  for (let i = 0; i < count; i++) {
    await sendStream(tcpConnect(port), rng.pick(makers)());
  }
  return count;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
