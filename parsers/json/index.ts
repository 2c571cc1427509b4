import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the json parser lands.
export const json: Format = { name: 'json', parse: () => fail('json parser not implemented') };
