import { ERRORS } from '../config/errors.ts';
import { nodeVersionProblem, packageInfo } from './package-info.ts';

// The entry point: it checks the Node.js version before anything that needs a newer one is
// loaded (an old one would otherwise fail on some syntax or API with a stack that says nothing).
const problem = nodeVersionProblem(process.versions.node, packageInfo().engines?.node);
if (problem) {
  console.error(`vigil: VIGIL_ERR_NODE_VERSION: ${problem}`);
  process.exit(ERRORS.VIGIL_ERR_NODE_VERSION.exit);
}
await import('./run.ts');
