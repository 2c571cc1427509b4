import type { Format } from './kit/format.ts';
import { syslog } from './syslog/index.ts';
import { neuvector } from './neuvector/index.ts';
import { cef } from './cef/index.ts';
import { falco } from './falco/index.ts';
import { k8sAudit } from './k8s-audit/index.ts';
import { alertmanager } from './alertmanager/index.ts';
import { json } from './json/index.ts';

/**
 * Every wire format vigil understands: one line each. Formats with `claims` are also tried, in this
 * order, on the MSG of a syslog message.
 */
const all: Format[] = [
  neuvector,
  cef,
  falco,
  k8sAudit,
  alertmanager,
  json,
];

export const formats: ReadonlyMap<string, Format> = new Map(
  [syslog(all.filter((f) => f.claims)), ...all].map((f) => [f.name, f]),
);

export type { Format, ParseContext, SyslogHeader } from './kit/format.ts';
export type { EcsEvent } from './kit/ecs.ts';
export type { ParseResult } from './kit/result.ts';
