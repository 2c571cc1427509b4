import { connect } from 'node:net';
import { neuvectorLines } from './generate.ts';

/**
 * Sends `count` NeuVector kv syslog lines over one TCP connection to 127.0.0.1:`port` as fast as
 * the socket drains, generating them in chunks so a million lines never sit in memory at once
 * (each chunk has its own seed: ids stay distinct). Run as its own process: argv port count;
 * reports `{ sent, seconds }`.
 */
const [port, count] = process.argv.slice(2).map(Number);
const CHUNK = 5_000;
const started = Date.now();
const socket = connect(port, '127.0.0.1');
await new Promise<void>((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('error', reject);
});
for (let sent = 0, chunk = 0; sent < count; chunk++) {
  const lines = neuvectorLines(Math.min(CHUNK, count - sent), 1_000 + chunk);
  sent += lines.length;
  if (!socket.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => socket.once('drain', resolve));
}
await new Promise<void>((resolve) => socket.end(resolve));
process.send!({ sent: count, seconds: (Date.now() - started) / 1000 });
