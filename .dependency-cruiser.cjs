// Import rules of ../shared/ARCHITECTURE.md, checked in `npm test` (scripts/check-architecture.mjs).
// A rule here is a direction the code must never take; each says why.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be read, tested or loaded lazily alone.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'planner-and-model-are-pure',
      severity: 'error',
      comment: 'The planner and the model never reach the engine or the CLI: observe once, plan purely.',
      from: { path: '^src/(planner|model)/' },
      to: { path: '^src/(engine|cli|stack)/' },
    },
    {
      name: 'planner-and-model-do-no-io',
      severity: 'error',
      comment: 'The planner takes observed state and returns a plan: no clock, file or process I/O.',
      from: { path: '^src/planner/' },
      to: { path: '^(node:)?(fs|fs/promises|child_process|net|http|https|timers|timers/promises)$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-never-reaches-the-engine',
      severity: 'error',
      comment: 'The CLI parses flags and renders; the façade (src/stack/) is the one place that opens a gateway.',
      from: { path: '^src/cli/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'dockerode-only-in-the-engine',
      severity: 'error',
      comment: 'Only src/engine/docker-gateway.ts (and the bundle loader beside it) talks to dockerode.',
      from: { pathNot: '^src/engine/' },
      to: { path: '(^|/)node_modules/(dockerode|docker-modem)/|^(dockerode|docker-modem)$' },
    },
    {
      name: 'api-is-a-leaf',
      severity: 'error',
      comment: 'src/api holds data shapes, label rules and small helpers (pause, formatBytes) that every layer reads: it imports nothing of ours.',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'network-and-volume-plans-are-pure',
      severity: 'error',
      comment: 'network/plan.ts and volume/plan.ts are called by the pure planner: they may share its leaves (names, redaction, sensitive spec paths) but never reach back into its phases.',
      from: { path: '^src/(network|volume)/plan\\.ts$' },
      to: { path: '^src/(engine|cli|stack)/|^src/planner/(reconcile|format|down|index)\\.ts$|^src/planner/phases/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/model/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
