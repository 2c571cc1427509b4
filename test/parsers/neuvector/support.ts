import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { neuvector } from '../../../parsers/neuvector/index.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';

export const RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');

export function parse(text: string): ParseResult {
  return neuvector.parse(text, { receivedAt: RECEIVED_AT });
}

/** The one event a body must give. */
export function parseOne(text: string): EcsEvent {
  const result = parse(text);
  assert.ok(result.ok, `expected an event, got failure: ${result.ok ? '' : result.reason}`);
  assert.equal(result.events.length, 1);
  return result.events[0];
}

/** The native NeuVector fields of the one event a body gives. */
export function nativeOf(text: string): Record<string, unknown> {
  return parseOne(text).neuvector as Record<string, unknown>;
}

/** A kv body as the controller prints it: `notification=<type>,` then key=value joined by commas, nothing escaped. */
export function kvBody(type: string, pairs: readonly (readonly [string, string])[]): string {
  return `notification=${type},${pairs.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** LogCommon, as every struct starts (violations have no name). */
export function common(name?: string): [string, string][] {
  const pairs: [string, string][] = [
    ['level', 'Warning'], ['reported_timestamp', '1748959625'], ['reported_at', '2025-06-03T14:07:05Z'],
    ['cluster_name', 'cluster.local'], ['host_id', 'worker-3:4C4C4544-0052-3510-8051-B7C04F4D3332'],
    ['host_name', 'worker-3'], ['enforcer_id', '9b1e7d3c5a2f'], ['enforcer_name', 'neuvector-enforcer-pod-t4q9z'],
  ];
  return name === undefined ? pairs : [['name', name], ...pairs];
}

/** Replaces the values of `changes` keys in place and drops the keys whose change is null. */
export function edited(pairs: [string, string][], changes: Record<string, string | null>): [string, string][] {
  const unknown = Object.keys(changes).filter((k) => !pairs.some(([key]) => key === k));
  assert.deepEqual(unknown, [], 'edited() only changes keys the body has; insert new ones with inserted()');
  return pairs
    .filter(([k]) => changes[k] !== null)
    .map(([k, v]) => [k, changes[k] ?? v]);
}

/** Inserts pairs right after the key `after` (the struct's key order is the test's to state). */
export function inserted(pairs: [string, string][], after: string, more: [string, string][]): [string, string][] {
  const at = pairs.findIndex(([k]) => k === after);
  assert.ok(at >= 0, `no key ${after}`);
  return [...pairs.slice(0, at + 1), ...more, ...pairs.slice(at + 1)];
}

const FIXTURES = new URL('../../../fixtures/', import.meta.url);

/** A NeuVector syslog fixture's MSG (header and the trailing LF removed). */
export function syslogBody(name: string): string {
  const text = readFileSync(new URL(`syslog/neuvector-${name}.txt`, FIXTURES), 'utf8').replace(/\n$/, '');
  return text.slice(text.indexOf(' neuvector - ') + ' neuvector - '.length);
}

export function syslogBodyNames(): string[] {
  return readdirSync(new URL('syslog/', FIXTURES))
    .filter((f) => f.startsWith('neuvector-') && f.endsWith('.txt'))
    .map((f) => f.slice('neuvector-'.length, -'.txt'.length));
}

export function webhookBody(file: string): string {
  return readFileSync(new URL(`neuvector/${file}`, FIXTURES), 'utf8');
}
