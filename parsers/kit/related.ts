import type { EcsEvent } from './ecs.ts';

/**
 * ECS related.*: every IP address, user, host and hash the event names, wherever in the event, so
 * one query (`related.ip: 10.0.0.5`) finds it whichever source reported it and in which role.
 * Read from the ECS fields the parsers fill, so every source gets them the same way; values are
 * deduplicated and kept in first-seen order (the same event always gives the same arrays).
 * https://www.elastic.co/guide/en/ecs/current/ecs-related.html
 *
 * Plain arrays, not sets: an event names a handful of values, and this runs for every event.
 */

type Related = { ip?: string[]; user?: string[]; hosts?: string[]; hash?: string[] };

export function fillRelated(event: EcsEvent): void {
  // Read loosely: a parser may fill ECS fields the EcsEvent type does not list (client.ip, file.hash ...).
  const e = event as any;
  const given = e.related as Related | undefined;
  const ip = add(add(add(add(add(copy(given?.ip), e.source?.ip), e.destination?.ip), e.host?.ip), e.client?.ip), e.server?.ip);
  let user = add(add(add(copy(given?.user), e.user?.name), e.user?.effective?.name), e.user?.target?.name);
  user = add(add(add(add(user, e.process?.user?.name), e.process?.real_user?.name), e.source?.user?.name), e.destination?.user?.name);
  const hosts = add(add(add(add(copy(given?.hosts), e.host?.hostname), e.host?.name), e.source?.domain), e.destination?.domain);
  let hash = copy(given?.hash);
  for (const holder of [e.file?.hash, e.process?.hash, e.container?.image?.hash]) {
    if (holder && typeof holder === 'object') for (const key in holder) hash = add(hash, holder[key]);
  }
  if (!ip && !user && !hosts && !hash) return;
  const related: Related = {};
  if (ip) related.ip = ip;
  if (user) related.user = user;
  if (hosts) related.hosts = hosts;
  if (hash) related.hash = hash;
  event.related = related;
}

function copy(values: string[] | undefined): string[] | undefined {
  return values?.length ? [...values] : undefined;
}

/** `list` with the string (or each string of an array) `value` added unless already there. */
function add(list: string[] | undefined, value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    if (value === '') return list;
    if (!list) return [value];
    if (!list.includes(value)) list.push(value);
    return list;
  }
  if (Array.isArray(value)) for (const v of value) list = add(list, v);
  return list;
}
