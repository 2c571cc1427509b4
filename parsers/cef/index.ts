import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the cef parser lands.
export const cef: Format = { name: 'cef', parse: () => fail('cef parser not implemented') };
