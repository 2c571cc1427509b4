import { readdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import type { RawEvent } from '../../src/pipeline/raw-event.ts';

/**
 * Fixture pairs: fixtures/<format>/<scenario>.<ext> holds the wire-exact input and
 * <scenario>.expected.json the normalised events it must produce. The folder name is the format
 * the input is parsed as ('syslog' inputs are one message after framing: a single trailing LF,
 * as NeuVector appends it, is stripped like the LF framer does).
 *
 * VIGIL_GOLDEN_UPDATE=1 rewrites the .expected.json files from the current output: review the diff.
 */
export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
export const GOLDEN_RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');
export const GOLDEN_PEER = '192.0.2.10:51514';

export interface GoldenCase { format: string; name: string; input: string; expectedPath: string }

/** Formats whose fixtures are not one message each (framing streams) live elsewhere and are skipped here. */
const NOT_GOLDEN = new Set(['framing', 'sinks']);

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const format of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, format);
    if (NOT_GOLDEN.has(format) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.expected.json')) continue;
      const name = basename(file, extname(file));
      const expectedPath = join(dir, `${name}.expected.json`);
      if (!existsSync(expectedPath) && !process.env.VIGIL_GOLDEN_UPDATE) {
        throw new Error(`fixture ${format}/${file} has no ${name}.expected.json`);
      }
      let input = readFileSync(join(dir, file), 'utf8');
      if (format === 'syslog' && input.endsWith('\n')) input = input.slice(0, -1);
      cases.push({ format, name, input, expectedPath });
    }
  }
  return cases;
}

export function goldenRaw(c: GoldenCase): RawEvent {
  const syslog = c.format === 'syslog';
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
