import { connect } from 'node:net';
import { neuvectorLines } from './generate.ts';

/**
 * Sends `count` NeuVector kv syslog lines over `connections` TCP connections to 127.0.0.1:`port`
 * as fast as the sockets drain, or at `rate` events/s in total when given (LF framing, as
 * NeuVector sends), then reports the time it took. Run as its own process: argv port count
 * connections [rate] [seed].
 */
const [port, count, connections, rate = 0, seed = 42] = process.argv.slice(2).map(Number);
const lines = neuvectorLines(count, seed);
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
      // Paced: each connection may have sent rate/connections events per second so far.
      const due = () => (rate > 0 ? Math.min(mine.length, Math.floor(((Date.now() - started) / 1000) * (rate / connections))) : mine.length);
      const pump = () => {
        while (i < due()) {
          const to = Math.min(i + CHUNK, due());
          const chunk = `${mine.slice(i, to).join('\n')}\n`;
          i = to;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        if (i >= mine.length) socket.end(resolve);
        else setTimeout(pump, 5);
      };
      pump();
    });
  })),
);
process.send!({ sent: count, seconds: (Date.now() - started) / 1000 });
