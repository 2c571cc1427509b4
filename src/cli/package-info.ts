import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * vigil's package.json, found from this file upwards: src/cli/ when run from source, dist/src/cli/
 * from the build. Plain Node.js APIs only: this runs before the Node.js version is known to be
 * new enough for the rest.
 */
export function packageInfo(): { version: string; engines?: { node?: string } } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string; engines?: { node?: string } };
      if (json.name === 'vigil') return json;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('vigil\'s package.json was not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/**
 * Why this Node.js cannot run vigil, or undefined when it can. `required` is package.json's
 * engines.node, a `>=MAJOR[.MINOR[.PATCH]]` floor (the only form vigil uses).
 */
export function nodeVersionProblem(running: string, required: string | undefined): string | undefined {
  const floor = required && /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(required.trim());
  if (!floor) return undefined;
  const want = floor.slice(1).map((part) => Number(part ?? 0));
  const have = running.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > want[i]) return undefined;
    if ((have[i] ?? 0) < want[i]) return `vigil needs Node.js ${required} (package.json engines), this is ${running}; run it with a newer node (npm start uses the one in node_modules/.bin)`;
  }
  return undefined;
}
