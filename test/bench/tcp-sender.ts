import { connect } from 'node:net';
import { neuvectorLines } from './generate.ts';

/**
 * Sends `count` NeuVector kv syslog lines over `connections` TCP connections to 127.0.0.1:`port`
 * as fast as the sockets drain (LF framing, as NeuVector sends), then reports the time it took.
 * Run as its own process: argv port count connections.
 */
const [port, count, connections] = process.argv.slice(2).map(Number);
const lines = neuvectorLines(count);
const per = Math.ceil(count / connections);
const started = Date.now();

await Promise.all(
  Array.from({ length: connections }, (_, c) => new Promise<void>((resolve, reject) => {
    const mine = lines.slice(c * per, (c + 1) * per);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', reject);
    socket.on('connect', () => {
      let i = 0;
      const CHUNK = 200;
      const pump = () => {
        while (i < mine.length) {
          const chunk = `${mine.slice(i, i + CHUNK).join('\n')}\n`;
          i += CHUNK;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        socket.end(resolve);
      };
      pump();
    });
  })),
);
process.send!({ sent: count, seconds: (Date.now() - started) / 1000 });
