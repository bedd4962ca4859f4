/**
 * The layers of src/ and the one direction imports flow in (docs/architecture.md):
 *   main -> app -> http -> graphql -> schema -> pagination -> partner -> lib
 * with http also using limits, logging, observability and downloads; everything may use lib and config.
 */
const layer = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'lib-is-generic',
      comment: 'lib/ holds generic pieces: it imports nothing of the project',
      severity: 'error',
      from: { path: layer('lib') },
      to: { path: '^src/', pathNot: layer('lib') },
    },
    {
      name: 'config-reads-only-lib',
      severity: 'error',
      from: { path: layer('config') },
      to: { path: '^src/', pathNot: [layer('config'), layer('lib')] },
    },
    {
      name: 'sandbox-is-separate',
      comment: 'the embedded partner API imports nothing of the facade, and only main.ts loads it',
      severity: 'error',
      from: { path: layer('sandbox') },
      to: { path: '^src/', pathNot: layer('sandbox') },
    },
    {
      name: 'only-main-starts-the-sandbox',
      severity: 'error',
      from: { path: '^src/', pathNot: [layer('sandbox'), '^src/main\\.ts$'] },
      to: { path: layer('sandbox') },
    },
    {
      name: 'partner-knows-no-server',
      comment: 'the upstream adapters know no GraphQL, no HTTP server, no caller beyond Caller',
      severity: 'error',
      from: { path: layer('partner') },
      to: { path: '^src/', pathNot: [layer('partner'), layer('lib'), layer('config')] },
    },
    {
      name: 'partner-knows-no-graphql',
      severity: 'error',
      from: { path: layer('partner') },
      to: { path: 'node_modules/(graphql|graphql-yoga|@pothos|@envelop)/' },
    },
    {
      name: 'pagination-sits-on-partner',
      severity: 'error',
      from: { path: layer('pagination') },
      to: { path: '^src/', pathNot: [layer('pagination'), layer('partner'), layer('lib'), layer('config')] },
    },
    {
      name: 'schema-sits-on-pagination',
      severity: 'error',
      from: { path: layer('schema') },
      to: {
        path: '^src/',
        pathNot: [layer('schema'), layer('pagination'), layer('partner'), layer('lib'), layer('config')],
      },
    },
    {
      name: 'graphql-knows-no-http',
      comment: 'the GraphQL core is reached through the route; it never reaches back',
      severity: 'error',
      from: { path: layer('graphql') },
      to: { path: [layer('http'), '^src/app\\.ts$', '^src/main\\.ts$', '^src/services\\.ts$'] },
    },
    {
      name: 'http-is-reached-from-the-root',
      comment: 'only the composition root and the process wire the front door',
      severity: 'error',
      from: { path: '^src/', pathNot: [layer('http'), '^src/app\\.ts$', '^src/main\\.ts$', '^src/services\\.ts$'] },
      to: { path: layer('http') },
    },
    {
      name: 'the-root-is-imported-by-main-only',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: ['^src/app\\.ts$', '^src/main\\.ts$'] },
    },
    {
      name: 'support-layers-stay-below-graphql',
      comment: 'auth, limits, logging, observability and downloads serve the layers above them',
      severity: 'error',
      from: { path: [layer('auth'), layer('limits'), layer('logging'), layer('observability'), layer('downloads')] },
      to: { path: [layer('graphql'), layer('schema'), '^src/services\\.ts$'] },
    },
    {
      name: 'client-ships-alone',
      comment: 'the typed client ships to browsers: it imports its generated code only',
      severity: 'error',
      from: { path: layer('client') },
      to: { path: '^src/', pathNot: layer('client') },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no compiler API yet for dependency-cruiser to read sources with; swc reads them.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
