// The layer order of DESIGN.md §1, checked by `npm run layers` (part of `npm test`). A folder may import
// only folders listed after it; `src/sim` (the simulated environment) may import the seams it implements,
// and nothing in src imports it. Known violations would be listed in .dependency-cruiser-known-violations.json
// (empty); any new one fails the build.

/** Top to bottom: each layer may import itself and the layers below it. */
const LAYERS = [
  'cli',
  // src/node.ts builds the real environment and serves HTTP: the composition root, beside the CLI. The shared
  // node assembly (src/node/) sits below src/http.
  'node',
  'http',
  'assembly',
  'metrics',
  'coordinator',
  'replica',
  'storage',
  'ring',
  'antientropy',
  'membership',
  'wire',
  'transport',
  'versioning',
  'runtime',
];

const folder = (name) => {
  if (name === 'node') return '^src/node\\.ts$';
  if (name === 'assembly') return '^src/node/';
  return `^src/${name}/`;
};

const upward = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(0, i);
  if (above.length === 0) return [];
  return [
    {
      name: `layer-${layer}`,
      comment: `${layer} imports a layer above it (${above.join(', ')}); DESIGN.md §1`,
      severity: 'error',
      from: { path: folder(layer) },
      to: { path: above.map(folder).join('|') },
    },
  ];
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-sim-in-production',
      comment: 'src/ never imports the simulator (src/sim); only tests, benches and the sim itself do',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sim/' },
      to: { path: '^src/sim/' },
    },
    {
      name: 'sim-only-seams',
      comment:
        'the simulator implements the seams (runtime, transport, storage, versioning) and checkers; nothing above',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: LAYERS.slice(0, LAYERS.indexOf('storage')).map(folder).join('|') },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles (between folders or within one)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/wire/gen/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
