import { test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-server.ts';
import { makePki, type Pki } from '../support/pki.ts';
import { programPath, requireProgram, skipUnlessInstalled, startProgram, waitForPort } from '../support/real-program.ts';
import { assertEachOnce, assertRefused, neuVectorSamples, sendOctetCounted, spawnRelayTarget, type VigilTls } from '../support/relay.ts';

// Debian's rsyslog as a relay between NeuVector and vigil: its own configuration, in the foreground
// (-n), with its own work directory and pid file. It takes the NeuVector samples over imtcp
// (octet-counted, so multi-line messages come in whole) and forwards them with omfwd in RFC 5424
// (RSYSLOG_SyslogProtocol23Format) over TCP with octet counting, over TCP with LF framing, and
// over TLS (the gtls driver of rsyslog-gnutls; vigil's certificate checked against the CA and its
// name, CN=server in the test PKI) with and without a client certificate.

const RSYSLOGD = programPath('rsyslogd') ?? '/usr/sbin/rsyslogd';
const INSTALL = 'apt-get install rsyslog rsyslog-gnutls';
const skip = skipUnlessInstalled(RSYSLOGD, INSTALL);
const samples = neuVectorSamples();

interface Forward { framing: 'octet-counted' | 'traditional'; tls?: { clientCert: boolean } }

/**
 * The relay: imtcp in, one omfwd action out, in a ruleset of its own so rsyslog's own messages
 * stay out of vigil. Control characters are kept as received: rsyslog's default escapes a raw LF
 * to "#012", which would change NeuVector's multi-line messages.
 */
function rsyslogConfig(dir: string, inPort: number, vigilPort: number, forward: Forward, pki: Pki): string {
  const tls = forward.tls
    ? `  StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="server"
  StreamDriver.CAFile="${join(pki.dir, 'test-ca.crt')}"
${forward.tls.clientCert ? `  StreamDriver.CertFile="${join(pki.dir, 'client.crt')}" StreamDriver.KeyFile="${join(pki.dir, 'client.key')}"\n` : ''}`
    : '';
  return `global(workDirectory="${join(dir, 'work')}" parser.escapeControlCharactersOnReceive="off" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${inPort}" ruleset="to-vigil")
ruleset(name="to-vigil") {
  action(type="omfwd" target="127.0.0.1" port="${vigilPort}" protocol="tcp" TCP_Framing="${forward.framing}"
  template="RSYSLOG_SyslogProtocol23Format"
${tls}  action.resumeRetryCount="-1" queue.type="LinkedList" queue.saveOnShutdown="on")
}
`;
}

async function relayThroughRsyslog(forward: Forward, vigilTls: VigilTls, what: string, expect: 'each once' | 'refused' = 'each once'): Promise<void> {
  requireProgram(RSYSLOGD, INSTALL);
  const pki = makePki();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rsyslog-'));
  mkdirSync(join(dir, 'work'));
  const vigil = await spawnRelayTarget(pki, vigilTls);
  const inPort = await freePort();
  const vigilPort = vigil.port(forward.tls ? 'tls' : 'tcp');
  writeFileSync(join(dir, 'rsyslog.conf'), rsyslogConfig(dir, inPort, vigilPort, forward, pki));
  const rsyslog = startProgram(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { cwd: dir });
  try {
    await waitForPort(inPort, rsyslog);
    await sendOctetCounted(inPort, samples.map((sample) => sample.text));
    if (expect === 'refused') await assertRefused(vigil, `rsyslog ${what}`);
    else await assertEachOnce(vigil, samples, forward.tls ? 'tls' : 'tcp', `rsyslog ${what}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nrsyslogd said:\n${rsyslog.output()}`, { cause: error });
  } finally {
    await rsyslog.stop();
    await vigil.stop();
    rmSync(dir, { recursive: true, force: true });
    pki.remove();
  }
}

test('rsyslog relays NeuVector to vigil over TCP with octet counting: every message once, multi-line whole', { skip }, () =>
  relayThroughRsyslog({ framing: 'octet-counted' }, 'none', 'TCP octet-counted'));

test('rsyslog relays NeuVector to vigil over TCP with LF framing: every message once, multi-line whole', { skip }, () =>
  relayThroughRsyslog({ framing: 'traditional' }, 'none', 'TCP LF-framed'));

test('rsyslog relays NeuVector to vigil over TLS, verifying vigil\'s certificate', { skip }, () =>
  relayThroughRsyslog({ framing: 'octet-counted', tls: { clientCert: false } }, 'server-only', 'TLS'));

test('rsyslog relays NeuVector to vigil over TLS with a client certificate vigil requires', { skip }, () =>
  relayThroughRsyslog({ framing: 'octet-counted', tls: { clientCert: true } }, 'client-required', 'mutual TLS'));

test('vigil refuses rsyslog over TLS without the client certificate it requires', { skip }, () =>
  relayThroughRsyslog({ framing: 'octet-counted', tls: { clientCert: false } }, 'client-required', 'TLS without a client certificate', 'refused'));
