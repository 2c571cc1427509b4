import type { Endpoint } from '../kit/ecs.ts';
import { ip, port, text, type JsonObject } from '../kit/json-read.ts';

/**
 * source/destination from a Falco socket: source is the local end (fd.lip, fd.lport), destination
 * the remote one (fd.rip, fd.rport), as Elastic's Falco integration maps them. Rules often print only
 * the ports and fd.name, whose `client:port->server:port` tuple then supplies the address of the side
 * whose port matches.
 */
export function connection(fields: JsonObject): { source?: Endpoint; destination?: Endpoint } {
  const local: Endpoint = { ip: ip(fields['fd.lip']), port: port(fields['fd.lport']) };
  const remote: Endpoint = { ip: ip(fields['fd.rip']), port: port(fields['fd.rport']) };
  const tuple = socketTuple(text(fields['fd.name']));
  if (tuple) {
    for (const side of [local, remote]) {
      if (side.ip === undefined && side.port !== undefined) side.ip = tuple.find((end) => end.port === side.port)?.ip;
    }
  }
  return { source: defined(local), destination: defined(remote) };
}

interface End { ip: string; port: number }

/** `10.0.0.1:48122->10.96.0.1:443` (IPv6 ends may be bracketed) → both ends, or undefined. */
export function socketTuple(name: string | undefined): [End, End] | undefined {
  const sides = name?.split('->');
  if (sides?.length !== 2) return undefined;
  const ends = sides.map(socketEnd);
  return ends[0] && ends[1] ? [ends[0], ends[1]] : undefined;
}

function socketEnd(text: string): End | undefined {
  const colon = text.lastIndexOf(':');
  const address = ip(text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'));
  const p = port(text.slice(colon + 1));
  return colon > 0 && address !== undefined && p !== undefined ? { ip: address, port: p } : undefined;
}

function defined(end: Endpoint): Endpoint | undefined {
  if (end.ip === undefined) delete end.ip;
  if (end.port === undefined) delete end.port;
  return Object.keys(end).length ? end : undefined;
}
