import type { EcsEvent, Endpoint } from '../kit/ecs.ts';
import type { ExtensionValue } from './extension-types.ts';

/**
 * ECS event.category / event.type of a CEF event. Elastic's CEF integration sets none for CEF in
 * general (only its Check Point and Forcepoint pipelines do, from vendor fields); CEF's own `cat`
 * is the device's free-text category (`/Monitor/Disk/Read`), not an ECS value. So the category
 * follows what the event names, the way vigil files Falco alerts: network for addresses, ports,
 * protocols or a direction, file for a file, process for a source or destination process, web for
 * a request URL or method. An event that names none of these is what CEF exists to carry, a security device's
 * detection: intrusion_detection. The type is allowed/denied when deviceAction says so in the
 * words firewalls and proxies use, info otherwise.
 */
export function categorise(event: EcsEvent, ext: Record<string, ExtensionValue>): { category: string[]; type: string[] } {
  const category: string[] = [];
  // A user name alone (suser, duser) is no network activity: an address, port or host name is.
  if (isNetworkEnd(event.source) || isNetworkEnd(event.destination) || event.network !== undefined
    || ext.bytesIn !== undefined || ext.bytesOut !== undefined) category.push('network');
  if (event.file !== undefined || ext.fileHash !== undefined || ext.fileSize !== undefined) category.push('file');
  // The event's own processes; deviceProcessName/deviceProcessId are the reporting device's
  // process (the daemon that wrote the log), which does not make the event a process event.
  if (ext.destinationProcessName !== undefined || ext.sourceProcessName !== undefined
    || ext.destinationProcessId !== undefined || ext.sourceProcessId !== undefined) category.push('process');
  if (event.url !== undefined || event.http !== undefined) category.push('web');
  if (category.length === 0) category.push('intrusion_detection');
  const verdict = VERDICTS.get(event.event?.action?.toLowerCase() ?? '');
  return { category, type: [verdict ?? 'info'] };
}

function isNetworkEnd(end: Endpoint | undefined): boolean {
  return end !== undefined && (end.ip !== undefined || end.port !== undefined || end.domain !== undefined);
}

const VERDICTS: ReadonlyMap<string, string> = new Map([
  ...['accept', 'accepted', 'allow', 'allowed', 'permit', 'permitted', 'pass', 'passed'].map((w) => [w, 'allowed'] as const),
  ...['deny', 'denied', 'drop', 'dropped', 'block', 'blocked', 'reject', 'rejected'].map((w) => [w, 'denied'] as const),
]);
