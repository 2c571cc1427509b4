import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the falco parser lands.
export const falco: Format = { name: 'falco', parse: () => fail('falco parser not implemented') };
