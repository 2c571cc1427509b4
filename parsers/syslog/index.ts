import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the syslog envelope lands: `bodies` are the formats that may ride in a MSG.
export function syslog(bodies: Format[]): Format {
  void bodies;
  return { name: 'syslog', parse: () => fail('syslog parser not implemented') };
}
