import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What vigil_build_info reports: vigil's version (package.json) and the Node.js running it. */
export interface BuildInfo {
  version: string;
  node_version: string;
}

/**
 * The version of the package.json nearest above this module: the repository's when run from
 * src/ (tests, `npm run vigil`) or dist/ (`npm start`, the image, which copies package.json beside dist/).
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'unknown';
  }
}

export const BUILD_INFO: BuildInfo = { version: packageVersion(), node_version: process.version };
