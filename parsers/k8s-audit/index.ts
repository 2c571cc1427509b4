import type { Format } from '../format.ts';
import { fail } from '../result.ts';

// Placeholder until the k8s-audit parser lands.
export const k8sAudit: Format = { name: 'k8s-audit', parse: () => fail('k8s-audit parser not implemented') };
