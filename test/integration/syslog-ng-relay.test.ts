import { test } from 'node:test';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-server.ts';
import { makePki, type Pki } from '../support/pki.ts';
import { waitForPort } from '../support/real-program.ts';
import { assertEachOnce, assertRefused, neuVectorSamples, sendOctetCounted, spawnRelayTarget, type VigilTls } from '../support/relay.ts';
import { skipUnlessSyslogNg, startSyslogNg } from '../support/syslog-ng.ts';

// syslog-ng 3.38 (Debian 12's .debs, extracted by test/support/syslog-ng.ts) as a relay between
// NeuVector and vigil, in the foreground with its own pid, control socket and persist file. It
// takes the NeuVector samples with a syslog() source (RFC 5424, octet-counted, so multi-line
// messages come in whole) and forwards them with syslog() (RFC 5424 octet-counted, RFC 5425 over
// TLS) or network() with flags(syslog-protocol) (RFC 5424, LF-framed).

const skip = skipUnlessSyslogNg();
const samples = neuVectorSamples();

interface Forward { driver: 'syslog' | 'network'; tls?: { clientCert: boolean } }

function syslogNgConfig(inPort: number, vigilPort: number, forward: Forward, pki: Pki): string {
  const tls = forward.tls
    ? ` transport(tls) tls(ca-file("${join(pki.dir, 'test-ca.crt')}") peer-verify(required-trusted)${
      forward.tls.clientCert ? ` cert-file("${join(pki.dir, 'client.crt')}") key-file("${join(pki.dir, 'client.key')}")` : ''})`
    : ' transport(tcp)';
  const destination = forward.driver === 'syslog'
    ? `syslog("127.0.0.1" port(${vigilPort})${tls})`
    : `network("127.0.0.1" port(${vigilPort}) transport(tcp) flags(syslog-protocol))`;
  return `@version: 3.38
options { use-dns(no); use-fqdn(no); keep-hostname(yes); chain-hostnames(no); stats-freq(0); };
source s_neuvector { syslog(ip("127.0.0.1") port(${inPort}) transport(tcp)); };
destination d_vigil { ${destination}; };
log { source(s_neuvector); destination(d_vigil); flags(flow-control); };
`;
}

async function relayThroughSyslogNg(forward: Forward, vigilTls: VigilTls, what: string, expect: 'each once' | 'refused' = 'each once'): Promise<void> {
  const pki = makePki();
  const vigil = await spawnRelayTarget(pki, vigilTls);
  const inPort = await freePort();
  const syslogNg = startSyslogNg(syslogNgConfig(inPort, vigil.port(forward.tls ? 'tls' : 'tcp'), forward, pki));
  try {
    await waitForPort(inPort, syslogNg);
    await sendOctetCounted(inPort, samples.map((sample) => sample.text));
    if (expect === 'refused') await assertRefused(vigil, `syslog-ng ${what}`);
    else await assertEachOnce(vigil, samples, forward.tls ? 'tls' : 'tcp', `syslog-ng ${what}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nsyslog-ng said:\n${syslogNg.output()}`, { cause: error });
  } finally {
    await syslogNg.destroy();
    await vigil.stop();
    pki.remove();
  }
}

test('syslog-ng relays NeuVector to vigil over TCP with octet counting: every message once, multi-line whole', { skip }, () =>
  relayThroughSyslogNg({ driver: 'syslog' }, 'none', 'TCP octet-counted'));

test('syslog-ng relays NeuVector to vigil over TCP with LF framing: every message once, multi-line whole', { skip }, () =>
  relayThroughSyslogNg({ driver: 'network' }, 'none', 'TCP LF-framed'));

test('syslog-ng relays NeuVector to vigil over TLS, verifying vigil\'s certificate', { skip }, () =>
  relayThroughSyslogNg({ driver: 'syslog', tls: { clientCert: false } }, 'server-only', 'TLS'));

test('syslog-ng relays NeuVector to vigil over TLS with a client certificate vigil requires', { skip }, () =>
  relayThroughSyslogNg({ driver: 'syslog', tls: { clientCert: true } }, 'client-required', 'mutual TLS'));

test('vigil refuses syslog-ng over TLS without the client certificate it requires', { skip }, () =>
  relayThroughSyslogNg({ driver: 'syslog', tls: { clientCert: false } }, 'client-required', 'TLS without a client certificate', 'refused'));
