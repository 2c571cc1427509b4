import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { waitFor } from './memory-sink.ts';
import type { Pki } from './pki.ts';
import { readNdjson } from './real-program.ts';
import { FIXTURES } from './senders.ts';
import { spawnVigil, type SpawnedVigil } from './vigil.ts';

/**
 * What the relay tests (rsyslog, syslog-ng) share: the NeuVector syslog samples, sent to the relay
 * octet-counted (RFC 6587 §3.4.1, so a message with raw LFs stays one message on the way in), a
 * vigil to relay them to, and the check that each sample came out exactly once and whole.
 */

export interface Sample {
  name: string;
  /** The message as NeuVector wrote it (raw LFs kept, no framing). */
  text: string;
  /** vigil's golden event for it (fixtures/syslog/<name>.expected.json). */
  expected: Record<string, any>;
}

/** Every NeuVector syslog sample in fixtures/syslog/, multi-line ones included. */
export function neuVectorSamples(): Sample[] {
  const dir = join(FIXTURES, 'syslog');
  return readdirSync(dir).filter((file) => file.startsWith('neuvector-') && file.endsWith('.txt')).sort().map((file) => {
    const name = file.slice(0, -'.txt'.length);
    const [expected] = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Array<Record<string, any>>;
    return { name, text: readFileSync(join(dir, file), 'utf8').replace(/\n$/, ''), expected };
  });
}

/** MSG of an RFC 5424 message: what follows PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID and a nil STRUCTURED-DATA. */
function messagePart(text: string): string {
  const header = /^<\d{1,3}>1 (?:\S+ ){5}- /.exec(text);
  return header ? text.slice(header[0].length) : text;
}

/** Writes the messages octet-counted on one TCP connection and closes it. */
export function sendOctetCounted(port: number, messages: string[]): Promise<void> {
  const frames = Buffer.concat(messages.map((text) => {
    const bytes = Buffer.from(text);
    return Buffer.concat([Buffer.from(`${bytes.length} `), bytes]);
  }));
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(frames, () => resolve()));
    socket.on('error', reject);
  });
}

export type VigilTls = 'none' | 'server-only' | 'client-required';

/** vigil on the embedded default (file sink), with its syslog TLS listener when asked: server certificate only, or client certificates required. */
export function spawnRelayTarget(pki: Pki, tls: VigilTls): Promise<SpawnedVigil> {
  if (tls === 'none') return spawnVigil();
  const files = `listen:\n  syslog_tls_port: 0\n  tls:\n    cert: ${join(pki.dir, 'server.crt')}\n    key: ${join(pki.dir, 'server.key')}\n`;
  const clients = tls === 'client-required' ? `    ca: ${join(pki.dir, 'test-ca.crt')}\n    client_auth: required\n` : '';
  return spawnVigil({}, files + clients);
}

/** The events vigil wrote to its NDJSON file sink. */
export function vigilEvents(vigil: SpawnedVigil): Array<Record<string, any>> {
  return readNdjson(join(vigil.dataDir, 'out', 'events.ndjson'));
}

/**
 * Waits until vigil has written one event per sample (and a moment longer, for any copy), then
 * checks each sample arrived exactly once, parsed as when NeuVector sends it straight to vigil:
 * the same NeuVector fields and message, every line of a multi-line message in one event.
 */
export async function assertEachOnce(vigil: SpawnedVigil, samples: Sample[], input: string, what: string): Promise<void> {
  await waitFor(() => vigilEvents(vigil).length >= samples.length, 30_000, `${samples.length} relayed events in vigil (${what})`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const events = vigilEvents(vigil);
  assert.equal(events.length, samples.length, `${what}: ${events.length} events for ${samples.length} messages`);
  // A relay rewrites the header (RFC 5424's fields re-rendered): a sample is known by its MSG part.
  for (const sample of samples) {
    const body = messagePart(sample.text);
    const twins = samples.filter((other) => messagePart(other.text) === body).length;
    // rsyslog's RFC 5424 templates end with LF, which it sends inside the octet count: event.original
    // keeps every byte of the frame (and the parsers ignore the LF).
    const matches = events.filter((event) => typeof event.event.original === 'string' && messagePart(event.event.original).replace(/\n$/, '') === body);
    assert.equal(matches.length, twins, `${what}: ${sample.name} arrived ${matches.length} times`);
    for (const event of matches) {
      assert.equal(event.message, sample.expected.message, `${what}: ${sample.name}: message`);
      assert.deepEqual(event.neuvector, sample.expected.neuvector, `${what}: ${sample.name}: NeuVector fields`);
      assert.equal(event.event.dataset, sample.expected.event.dataset, `${what}: ${sample.name}`);
      assert.equal(event.input.type, input, `${what}: ${sample.name} came in over ${event.input.type}`);
      assert.ok(!event.tags?.includes('parse_failure'), `${what}: ${sample.name} failed to parse`);
    }
  }
  const multiline = samples.filter((sample) => sample.text.includes('\n'));
  assert.ok(multiline.length > 0, 'the samples include a multi-line message');
}

/** The relay without a client certificate vigil requires: its handshakes fail (vigil logs them) and nothing gets in. */
export async function assertRefused(vigil: SpawnedVigil, what: string): Promise<void> {
  await waitFor(() => vigil.logs.some((line) => line.msg === 'TLS handshake failed'), 30_000, `vigil refusing the ${what} handshake`);
  assert.equal(vigilEvents(vigil).length, 0, `${what}: events got in without a client certificate`);
}
