import dgram from 'node:dgram';
import { seeded } from './generate.ts';

/**
 * Sends `count` NeuVector `violation` lines in RFC 5424 (about 740 bytes, 29 keys), one per
 * datagram, to 127.0.0.1:`port` at `rate` datagrams/s, then reports what it sent and the rate it
 * achieved. Paced on a 1 ms timer: each tick sends what is due by then, so a late tick (a busy
 * machine) sends a larger burst, as a real appliance catching up does. Run as its own process:
 * argv port count rate [seed] [first] (`first` numbers the events, so runs never repeat an id);
 * the report goes to the parent over IPC, or to stdout as JSON without one.
 */
const [port, count, rate, seed = 42, first = 0] = process.argv.slice(2).map(Number);
const line = violationLine(seed);

const socket = dgram.createSocket('udp4');
// Connected: no address lookup per datagram.
await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
const started = performance.now();
let sent = 0;
let largestBurst = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate));
    largestBurst = Math.max(largestBurst, due - sent);
    for (; sent < due; sent++) {
      // Made as it is sent: short-lived garbage only, so the sender's own collections stay short.
      const datagram = line(first + sent);
      if (sent === count - 1) socket.send(datagram, () => resolve());
      else socket.send(datagram);
    }
    if (sent < count) setTimeout(tick, 1);
  };
  tick();
});
const seconds = (performance.now() - started) / 1000;
socket.close();
const report = { sent: count, seconds, achievedPerS: count / seconds, largestBurst };
if (process.send) process.send(report);
else console.log(JSON.stringify(report));

/** Violation line number i; the id, addresses and server port vary per event, the layout does not. */
function violationLine(randomSeed: number): (i: number) => string {
  const random = seeded(randomSeed);
  const byte = () => Math.floor(random() * 256);
  const base = Date.parse('2026-11-22T10:00:00Z') / 1000;
  return (i) => {
    const ts = base + Math.floor(i / 1000);
    const iso = new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
    const id = `${String(i).padStart(8, '0')}-9e37-4001-ae37-${byte().toString(16).padStart(2, '0')}${String(i).padStart(10, '0')}`;
    return `<132>1 ${iso} neuvector-controller-pod-6d9c7f8b5-x7kqm /usr/local/bin/controller 12 neuvector - `
      + `notification=violation,level=Warning,reported_timestamp=${ts},reported_at=${iso},cluster_name=prod,`
      + 'host_id=worker-3:4C4C4544,host_name=worker-3,enforcer_id=9b1e7d3c5a2f,enforcer_name=neuvector-enforcer-pod-t4q9z,'
      + `id=${id},client_id=a1b2c3,client_name=frontend-7d9c,client_domain=shop,`
      + 'client_image=registry.example.com/shop/frontend:1.4,client_service=frontend.shop,server_id=external,server_name=external,'
      + `server_port=${1024 + Math.floor(random() * 60_000)},ip_proto=6,applications=[SSL],servers=[],sessions=1,policy_action=violate,policy_id=10042,`
      + `client_ip=10.${byte()}.${byte()}.${byte()},server_ip=198.51.100.${byte()},fqdn=,xff=false,nbe=false`;
  };
}
