import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the alertmanager parser lands.
export const alertmanager: Format = { name: 'alertmanager', parse: () => fail('alertmanager parser not implemented') };
