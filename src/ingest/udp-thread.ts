import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeMessage } from '../../parsers/syslog/framing.ts';
import { readUntilQuiet } from './shutdown-grace.ts';
import { udpDropReader } from './udp-drops.ts';
import type { FromUdpThread, ToUdpThread, UdpDatagram, UdpThreadOptions } from './udp-thread-protocol.ts';

/**
 * The UDP socket's own thread: it only reads, frames and stamps datagrams and posts them to the
 * main thread in groups. A pause of the main event loop (garbage collection, batch encoding, a
 * burst of Redis replies) then no longer stops the reading: at 40,000 datagrams/s a default
 * 208 KB receive buffer overflows within milliseconds of one.
 */
const options = workerData as UdpThreadOptions;
const port = parentPort!;
const post = (message: FromUdpThread) => port.postMessage(message);

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

let group: UdpDatagram[] = [];
let groupBytes = 0;
let groupTimer: NodeJS.Timeout | undefined;
/** Bytes posted that the main thread has not taken yet: a stalled main thread must not grow this without bound. */
let unacked = 0;
let backpressureDrops = 0;
/** Epoch ms; 0 until the first datagram. */
let lastDatagramAt = 0;
let open = true;

const socket = dgram.createSocket({ type: options.type });
const failBind = (error: NodeJS.ErrnoException) => post({ type: 'bind-error', message: error.message, code: error.code });
socket.once('error', failBind);
socket.on('message', onMessage);
socket.bind(options.port, options.host, () => {
  socket.off('error', failBind);
  socket.on('error', (error) => post({ type: 'socket-error', message: error.message }));
  let setError: string | undefined;
  try {
    if (options.receiveBufferBytes) socket.setRecvBufferSize(options.receiveBufferBytes);
  } catch (error) {
    setError = (error as Error).message;
  }
  const address = socket.address();
  readDrops = udpDropReader(address.port);
  lastDrops = readDrops() ?? 0;
  dropTimer = setInterval(reportKernelDrops, options.dropPollMs);
  post({ type: 'listening', address, receiveBufferBytes: socket.getRecvBufferSize(), setError });
});

let readDrops: () => number | undefined = () => undefined;
let lastDrops = 0;
let dropTimer: NodeJS.Timeout | undefined;

/** Posts the kernel's receive-buffer drops on this socket since the last report. */
function reportKernelDrops(): void {
  const drops = readDrops();
  if (drops === undefined || drops <= lastDrops) return;
  post({ type: 'drops', receiveBuffer: drops - lastDrops });
  lastDrops = drops;
}

function onMessage(datagram: Buffer, remote: dgram.RemoteInfo): void {
  lastDatagramAt = Date.now();
  if (unacked >= options.maxUnackedBytes) {
    backpressureDrops++;
    return;
  }
  const body = stripTrailer(datagram);
  // An empty datagram goes on as empty text: the main thread checks the source before counting it invalid.
  const frame = body.length === 0 ? { text: '' } : decodeMessage(body, options.maxMessageBytes);
  group.push({ text: frame.text, receivedAt: lastDatagramAt, address: remote.address, port: remote.port, tags: frame.tags });
  groupBytes += frame.text.length;
  if (group.length >= options.groupMaxEvents) sendGroup();
  else groupTimer ??= setTimeout(sendGroup, options.groupMaxWaitMs);
}

function sendGroup(): void {
  if (groupTimer) clearTimeout(groupTimer);
  groupTimer = undefined;
  if (group.length === 0 && backpressureDrops === 0) return;
  post({ type: 'group', datagrams: group, bytes: groupBytes, backpressureDrops });
  unacked += groupBytes;
  group = [];
  groupBytes = 0;
  backpressureDrops = 0;
}

port.on('message', (message: ToUdpThread) => {
  if (message.type === 'ack') unacked -= message.bytes;
  else if (message.type === 'close') void close(message.graceMs);
});

async function close(graceMs: number | undefined): Promise<void> {
  if (!open) return;
  // Datagrams in the socket's receive buffer would be discarded unread, and uncounted.
  await readUntilQuiet(() => lastDatagramAt, graceMs);
  open = false;
  clearInterval(dropTimer);
  reportKernelDrops();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  sendGroup();
  post({ type: 'closed' });
  port.close();
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
