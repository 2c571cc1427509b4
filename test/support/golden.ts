import { readdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import type { RawEvent } from '../../src/normalize/raw-event.ts';
import { createFramer } from '../../parsers/syslog/framing.ts';

/**
 * Fixture pairs: fixtures/<format>/<scenario>.<ext> holds the wire-exact input and
 * <scenario>.expected.json the normalised events it must produce. The folder name is the format
 * the input is parsed as ('syslog' inputs are one message after framing: a single trailing LF,
 * as NeuVector appends it, is stripped like the LF framer does). 'framing' inputs are TCP byte
 * streams: the TCP listener's framer cuts them into messages, each normalised as syslog, and the
 * expected file holds the events of all of them in order.
 *
 * VIGIL_GOLDEN_UPDATE=1 rewrites the .expected.json files from the current output: review the diff.
 */
export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
export const GOLDEN_RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');
export const GOLDEN_PEER = '192.0.2.10:51514';

export interface GoldenCase { format: string; name: string; input: string; expectedPath: string; path: string }

/** Sink fixtures are backend requests and responses for the doubles, not input: no golden pairs. */
const NOT_GOLDEN = new Set(['sinks']);
/** Fixtures that are TCP byte streams rather than one message each. */
export const STREAMS = 'framing';

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const format of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, format);
    if (NOT_GOLDEN.has(format) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.expected.json') || file === 'README.md') continue;
      const name = basename(file, extname(file));
      const expectedPath = join(dir, `${name}.expected.json`);
      if (!existsSync(expectedPath) && !process.env.VIGIL_GOLDEN_UPDATE) {
        throw new Error(`fixture ${format}/${file} has no ${name}.expected.json`);
      }
      let input = format === STREAMS ? '' : readFileSync(join(dir, file), 'utf8');
      if (format === 'syslog' && input.endsWith('\n')) input = input.slice(0, -1);
      cases.push({ format, name, input, expectedPath, path: join(dir, file) });
    }
  }
  return cases;
}

/** The raw events of a case: one message, or every frame of a stream fixture. */
export function goldenRaws(c: GoldenCase): RawEvent[] {
  if (c.format !== STREAMS) return [goldenRaw(c)];
  // The whole stream in one read, then the end of the connection: the listener does the same
  // with smaller reads (framing.test.ts shows the framer gives the same frames for any split).
  const framer = createFramer({ maxMessageBytes: 65536 });
  const frames = [...framer.push(readFileSync(c.path)), ...framer.end()];
  return frames.map((frame) => {
    const raw: RawEvent = { ...goldenRaw(c), format: 'syslog', text: frame.text };
    if (frame.tags) raw.tags = frame.tags;
    return raw;
  });
}

export function goldenRaw(c: GoldenCase): RawEvent {
  const syslog = c.format === 'syslog' || c.format === STREAMS;
  return {
    format: c.format,
    text: c.input,
    receivedAt: GOLDEN_RECEIVED_AT,
    input: syslog ? 'tcp' : 'http',
    listener: syslog ? 'syslog-tcp' : 'http',
    peer: GOLDEN_PEER,
  };
}

export function render(events: unknown): string {
  return `${JSON.stringify(events, null, 2)}\n`;
}

export function readExpected(c: GoldenCase, actual: string): string {
  if (process.env.VIGIL_GOLDEN_UPDATE) writeFileSync(c.expectedPath, actual);
  return readFileSync(c.expectedPath, 'utf8');
}
