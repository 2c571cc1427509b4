import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A lean Elasticsearch double for benchmarks, run as its own process so its work is not counted
 * as vigil's: it answers _bulk like Elasticsearch (product header, per-item status in request
 * order, 409 for an _id it already has) but keeps only the ids, not the documents.
 * Reports its port, then `{count, duplicates}` whenever the parent sends 'count'. 'down' stops
 * listening and cuts open connections (an outage: connections refused); 'up' listens again on the
 * same port; each answers `{down}` or `{up}` once done. With a share between 0 and 1 in argv,
 * that share of _bulk requests (every round(1/share)-th) is answered with a whole-request 429, as
 * a cluster under load answers; `count` then also reports how many were. The count also says when
 * the last new document arrived (`lastAt`, epoch ms) and how many _bulk body bytes came in (`bulkBytes`). With `latency` in argv, each document's
 * latency is taken from the peer job's ids (see peer-sender.ts: the id carries when its line was
 * sent) to the moment its bulk is answered; 'latency' answers `{p50, p99, max, n}` in ms and
 * starts afresh.
 */
const ids = new Set<string>();
let duplicates = 0;
let lastAt = 0;
let anonymous = 0;
const LATENCY = process.argv.includes('latency');
const SENT_AT = Buffer.from('-9e37-4001-ae37-');
let latencies: number[] = [];
const THROTTLE_SHARE = Number(process.argv.slice(2).find((arg) => arg !== 'latency') ?? 0);
const throttleEvery = THROTTLE_SHARE > 0 ? Math.max(1, Math.round(1 / THROTTLE_SHARE)) : 0;
let bulks = 0;
let throttled = 0;
/** _bulk body bytes received (after gunzip), action lines included: what each contender ships per document. */
let bulkBytes = 0;
const REJECTED = '{"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}],"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"},"status":429}';
const LF = 0x0a;
const QUOTE = 0x22;
const ID = Buffer.from('"_id":"');
const HEADERS = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    if (req.method === 'POST' && req.url?.split('?')[0].endsWith('/_bulk')) {
      bulks++;
      bulkBytes += body.length;
      if (throttleEvery && bulks % throttleEvery === 0) {
        throttled++;
        res.writeHead(429, HEADERS).end(REJECTED);
        return;
      }
      // Scan the bytes: only action lines are looked at, and only for their _id.
      const items: string[] = [];
      let start = 0;
      let action = true;
      while (start < body.length) {
        let end = body.indexOf(LF, start);
        if (end < 0) end = body.length;
        if (action) {
          // Searched within the line only: a bulk whose actions carry no _id would be scanned to its end once per line.
          const at = indexIn(body, ID, start, end);
          const from = at + ID.length;
          const id = at >= 0 ? body.toString('latin1', from, body.indexOf(QUOTE, from)) : '';
          // No _id (syslog-ng's elasticsearch-http sends none): Elasticsearch makes one, so it is new.
          const seen = id !== '' && ids.has(id);
          if (seen) duplicates++;
          else if (id === '') anonymous++;
          else ids.add(id);
          // vigil asks for filter_path=errors,items.*.status,items.*.error: answered as the server filters it.
          if (!seen) lastAt = Date.now();
          items.push(seen
            ? '{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"document already exists"}}}'
            : '{"create":{"status":201}}');
        }
        else if (LATENCY) {
          const at = indexIn(body, SENT_AT, start, end);
          if (at >= 0) latencies.push(Date.now() - parseInt(body.toString('latin1', at + SENT_AT.length, at + SENT_AT.length + 12), 16));
        }
        action = !action;
        start = end + 1;
      }
      res.writeHead(200, HEADERS).end(`{"took":1,"errors":${duplicates > 0},"items":[${items.join(',')}]}`);
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/_index_template/')) {
      res.writeHead(404, HEADERS).end('{"error":{"type":"resource_not_found_exception","reason":"index template matching [x] not found"},"status":404}');
      return;
    }
    // Index template installs, info: acknowledge.
    res.writeHead(200, HEADERS).end('{"acknowledged":true,"version":{"number":"8.17.0"},"tagline":"You Know, for Search"}');
  });
});

/** Where `needle` starts in body[from, to), or -1. */
function indexIn(body: Buffer, needle: Buffer, from: number, to: number): number {
  const at = body.subarray(from, to).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

const sockets = new Set<Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
let port = 0;
server.listen(0, '127.0.0.1', () => {
  port = (server.address() as { port: number }).port;
  process.send!({ port });
});
process.on('message', (message) => {
  if (message === 'count') process.send!({ count: ids.size + anonymous, duplicates, lastAt, bulks, throttled, bulkBytes });
  if (message === 'latency') {
    const sorted = Float64Array.from(latencies).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    process.send!({ p50: at(0.5), p99: at(0.99), max: at(1), n: sorted.length });
    latencies = [];
  }
  if (message === 'stop') server.close(() => process.exit(0));
  if (message === 'down') {
    server.close(() => process.send!({ down: true }));
    for (const socket of sockets) socket.destroy();
  }
  if (message === 'up') server.listen(port, '127.0.0.1', () => process.send!({ up: true }));
});
