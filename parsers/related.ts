import type { EcsEvent } from './ecs.ts';

/**
 * ECS related.*: every IP address, user, host and hash the event names, wherever in the event, so
 * one query (`related.ip: 10.0.0.5`) finds it whichever source reported it and in which role.
 * Read from the ECS fields the parsers fill, so every source gets them the same way; values are
 * deduplicated and kept in first-seen order (the same event always gives the same arrays).
 * https://www.elastic.co/guide/en/ecs/current/ecs-related.html
 */

type Related = { ip?: string[]; user?: string[]; hosts?: string[]; hash?: string[] };

export function fillRelated(event: EcsEvent): void {
  // Read loosely: a parser may fill ECS fields the EcsEvent type does not list (client.ip, file.hash ...).
  const e = event as any;
  const ip = new Set<string>();
  const user = new Set<string>();
  const hosts = new Set<string>();
  const hash = new Set<string>();
  const add = (set: Set<string>, value: unknown) => {
    if (typeof value === 'string' && value !== '') set.add(value);
    else if (Array.isArray(value)) for (const v of value) add(set, v);
  };
  add(ip, e.source?.ip);
  add(ip, e.destination?.ip);
  add(ip, e.host?.ip);
  add(ip, e.client?.ip);
  add(ip, e.server?.ip);
  add(user, e.user?.name);
  add(user, e.user?.effective?.name);
  add(user, e.user?.target?.name);
  add(user, e.process?.user?.name);
  add(user, e.process?.real_user?.name);
  add(user, e.source?.user?.name);
  add(user, e.destination?.user?.name);
  add(hosts, e.host?.hostname);
  add(hosts, e.host?.name);
  add(hosts, e.source?.domain);
  add(hosts, e.destination?.domain);
  for (const holder of [e.file?.hash, e.process?.hash, e.container?.image?.hash]) {
    if (holder && typeof holder === 'object') for (const value of Object.values(holder)) add(hash, value);
  }
  const related: Related = { ...(e.related as Related | undefined) };
  for (const [key, set] of [['ip', ip], ['user', user], ['hosts', hosts], ['hash', hash]] as const) {
    add(set, related[key]);
    if (set.size) related[key] = [...set];
  }
  if (Object.keys(related).length) event.related = related;
}
