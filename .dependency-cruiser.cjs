/**
 * vigil's layers, bottom first: a module may import from its own layer and the layers below it,
 * never from one above. Checked by test/deploy/layers.test.ts (npm test) with dependency-cruiser:
 * https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 *
 * components (formats, sinks, webhook routes) declare themselves and know no stage; config
 * assembles their declarations; redis connects to the Redis the config names; the stages
 * (normalize < pipeline < ingest) run them; the admin listener observes the stages; main chooses roles and
 * roles/ starts each part; the cli is the front door.
 */
const LAYERS = [
  ['formats', '^parsers/'],
  ['telemetry', '^src/telemetry/'],
  ['sink-kit', '^src/sinks/kit/'],
  ['metrics', '^src/metrics/'],
  ['sinks', '^src/sinks/[^/]+/'],
  ['sink-registry', '^src/sinks/index[.]ts$'],
  ['webhook-routes', '^src/webhook-routes/'],
  ['config', '^src/config/'],
  ['redis', '^src/redis/'],
  ['normalize', '^src/normalize/'],
  ['pipeline', '^src/pipeline/'],
  ['ingest', '^src/ingest/'],
  ['test-events', '^src/send-test/'],
  ['admin', '^src/admin/'],
  ['main', '^src/(main[.]ts$|roles/)'],
  ['cli', '^src/cli/'],
];

/** The first layer whose pattern matches a path wins, so a narrow layer is listed before a wide one below it. */
const notAbove = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} imports only from its own layer and the ${LAYERS.slice(0, i).map(([n]) => n).join(', ') || 'none'} below it`,
  severity: 'error',
  from: { path, pathNot: LAYERS.slice(0, i).map(([, p]) => p) },
  to: {
    path: LAYERS.slice(i + 1).map(([, p]) => p),
    pathNot: LAYERS.slice(0, i + 1).map(([, p]) => p),
  },
}));

module.exports = {
  forbidden: [
    ...notAbove,
    {
      name: 'in-a-layer',
      comment: 'every module of src/ and parsers/ belongs to one of LAYERS: add a new folder there',
      severity: 'error',
      from: { path: '^(src|parsers)/', pathNot: LAYERS.map(([, p]) => p) },
      to: {},
    },
    {
      name: 'no-cycles',
      comment: 'files that import each other cannot be understood, tested or moved one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sink-stays-in-its-folder',
      comment: 'a sink uses the sink kit, never another sink\'s files (and not the registry that lists it)',
      severity: 'error',
      from: { path: '^src/sinks/([^/]+)/', pathNot: '^src/sinks/kit/' },
      to: { path: '^src/sinks/', pathNot: ['^src/sinks/$1/', '^src/sinks/kit/'] },
    },
    {
      name: 'format-stays-in-its-folder',
      comment: 'a format uses the parser kit, never another format\'s files (and not the registry that lists it)',
      severity: 'error',
      from: { path: '^parsers/([^/]+)/', pathNot: '^parsers/kit/' },
      to: { path: '^parsers/', pathNot: ['^parsers/$1/', '^parsers/kit/'] },
    },
    {
      name: 'formats-stay-in-parsers',
      comment: 'a format is pure: it imports only parsers/ and node built-ins',
      severity: 'error',
      from: { path: '^parsers/' },
      to: { pathNot: '^parsers/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve is a typo or a missing package',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a type cycle is still two files that cannot be read apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
