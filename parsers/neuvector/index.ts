import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the neuvector parser lands.
export const neuvector: Format = { name: 'neuvector', parse: () => fail('neuvector parser not implemented') };
