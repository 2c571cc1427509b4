import { connect } from 'node:net';

/**
 * The peer job's input: `count` NeuVector violation lines in key=value form (RFC 5424, LF-framed,
 * ~740 bytes, 29 keys) over ONE TCP connection to 127.0.0.1:`port`, as fast as the receiver
 * reads them, or at `rate` events/s when given. Lines are made as they are sent, so a million of
 * them never sit in memory. Each line's `id` is unique and carries when it was written:
 * `<sequence, 8 hex>-9e37-4001-ae37-<epoch ms, 12 hex>` (the double reads it back for latency).
 * Run as its own process: argv port count [rate] [first sequence]; reports {firstByteAt, seconds}.
 */
const [port, count, rate = 0, first = 0] = process.argv.slice(2).map(Number);
const CHUNK = 256;
const EPOCH = Date.parse('2026-11-22T10:00:00Z') / 1000;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
function line(seq: number, nowMs: number): string {
  const ts = EPOCH + Math.floor(seq / 1000);
  const iso = new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
  // Varied the way a busy cluster varies them: addresses and ports change, field layout does not.
  const client = `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
  const server = `198.51.${100 + ((seq * 7) % 3)}.${(seq * 13) % 254 + 1}`;
  const serverPort = 1024 + ((seq * 31) % 60000);
  return `<132>1 ${iso} neuvector-controller-pod-6d9c7f8b5-x7kqm /usr/local/bin/controller 12 neuvector - `
    + `notification=violation,level=Warning,reported_timestamp=${ts},reported_at=${iso},cluster_name=prod,`
    + 'host_id=worker-3:4C4C4544,host_name=worker-3,enforcer_id=9b1e7d3c5a2f,enforcer_name=neuvector-enforcer-pod-t4q9z,'
    + `id=${hex(seq, 8)}-9e37-4001-ae37-${hex(nowMs, 12)},client_id=a1b2c3,client_name=frontend-7d9c,client_domain=shop,`
    + 'client_image=registry.example.com/shop/frontend:1.4,client_service=frontend.shop,server_id=external,server_name=external,'
    + `server_port=${serverPort},ip_proto=6,applications=[SSL],servers=[],sessions=1,policy_action=violate,policy_id=10042,`
    + `client_ip=${client},server_ip=${server},fqdn=,xff=false,nbe=false\n`;
}

const socket = connect(port, '127.0.0.1');
socket.setNoDelay(true);
socket.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
socket.on('connect', () => {
  const started = Date.now();
  let sent = 0;
  const due = () => (rate > 0 ? Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate)) : count);
  const pump = () => {
    while (sent < due()) {
      const to = Math.min(sent + CHUNK, due());
      const now = Date.now();
      let text = '';
      for (let i = sent; i < to; i++) text += line(first + i, now);
      sent = to;
      if (!socket.write(text)) return void socket.once('drain', pump);
    }
    if (sent >= count) socket.end(() => process.send!({ firstByteAt: started, seconds: (Date.now() - started) / 1000 }));
    else setTimeout(pump, 2);
  };
  pump();
});
