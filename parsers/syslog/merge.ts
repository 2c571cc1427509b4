import type { EcsEvent } from '../kit/ecs.ts';

/**
 * One event a body format parsed from the MSG, completed with the syslog header event. Body fields
 * win (a body @timestamp is when the event happened; the header time is only when it was sent), but
 * log.syslog.* always comes from the header, and host.hostname / observer.hostname from the header
 * where the body has none.
 */
export function withHeader(header: EcsEvent, body: EcsEvent): EcsEvent {
  const merged: EcsEvent = { ...header, ...body };
  merged.event = { ...header.event, ...body.event };
  // The original of a syslog-borne event is the whole message, header included; normalize fills it.
  delete merged.event.original;
  merged.log = { ...body.log, syslog: header.log?.syslog };
  const hostname = header.host?.hostname;
  if (hostname !== undefined) {
    if (body.host?.hostname === undefined) merged.host = { ...body.host, hostname };
    if (body.observer?.hostname === undefined) merged.observer = { ...body.observer, hostname };
  }
  return merged;
}
