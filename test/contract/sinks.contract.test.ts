import { sinks } from '../../src/sinks/index.ts';
import { contractForEverySink } from './suite.ts';

// Every sink vigil can deliver to keeps the delivery contract (suite.ts); a new sink in the
// registry fails here until it has an adapter in adapters.ts.
contractForEverySink(Object.keys(sinks));
