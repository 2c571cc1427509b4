import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = new URL('../../fixtures/syslog/', import.meta.url).pathname;

/** mulberry32: a small seeded PRNG, so every run sends the same messages. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The single-line NeuVector key=value syslog samples (violations, threats, incidents, events, audits). */
export function neuvectorTemplates(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => /^neuvector-(tcp-lf|udp|tls-lf)-.*\.txt$/.test(f))
    .map((f) => readFileSync(join(FIXTURES, f), 'utf8').replace(/\n$/, ''))
    .filter((line) => !line.includes('\n') && line.includes('notification='));
}

/**
 * `count` NeuVector kv syslog lines (no trailing LF), varied per message the way a busy cluster
 * varies them: event ids, times and client addresses change, field layout does not.
 */
export function neuvectorLines(count: number, seed = 42): string[] {
  const templates = neuvectorTemplates();
  if (!templates.length) throw new Error('no NeuVector syslog fixtures found under fixtures/syslog');
  const random = seeded(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const base = Date.parse('2025-06-03T14:00:00Z') / 1000;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const template = templates[Math.floor(random() * templates.length)];
    const ts = base + i;
    const iso = new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
    lines.push(
      template
        .replace(/,id=[0-9a-f-]{36}/, `,id=${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`)
        .replace(/reported_timestamp=\d+/, `reported_timestamp=${ts}`)
        .replace(/reported_at=[^,]+/, `reported_at=${iso}`)
        .replace(/client_ip=10\.\d+\.\d+\.\d+/, `client_ip=10.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`),
    );
  }
  return lines;
}
