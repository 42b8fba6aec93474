/**
 * Architecture rules, checked in CI by `npm run arch`. "Services hold no DataSource" is a named
 * import, which dependency-cruiser cannot see: eslint.config.js enforces it for *.service.ts.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle means a boundary is wrong.', from: {}, to: { circular: true } },
    {
      name: 'no-foreign-internals',
      severity: 'error',
      comment:
        'A module is entered only through its public files: others call its service, never its repositories (at its root or in a use-case folder), entities, jobs or DTOs.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/(entities/|jobs/|dto/|.*\\.repository\\.ts$)', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'modules-entered-at-their-root',
      severity: 'error',
      comment: "A module's faces are the files at its root; its rooms (sub-folders) are its own business: other modules enter through the root.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/[^/]+/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'common-is-shared',
      severity: 'error',
      comment: 'src/common is used by every module and depends on none of them.',
      from: { path: '^src/common/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'database-is-infrastructure',
      severity: 'error',
      comment: 'src/database (transactions, data access) imports no module: the composition root (src/app) owns the entity list and the DataSource.',
      from: { path: '^src/database/' },
      to: { path: '^src/(modules|app)/' },
    },
    {
      name: 'only-ledger-writes-postings',
      severity: 'error',
      comment: 'Only the ledger module writes postings and balances.',
      from: { path: '^src/', pathNot: '^src/(modules/ledger/|app/entities\\.ts$)' },
      to: { path: '^src/modules/ledger/(entities/|ledger\\.repository\\.ts$)' },
    },
    {
      name: 'test-not-bench',
      severity: 'error',
      comment: 'Tests do not depend on benchmarks: what both need (seeds) lives in seeds/.',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
    {
      name: 'seeds-are-neutral',
      severity: 'error',
      comment: 'seeds/ is shared by test/ and bench/ and imports neither.',
      from: { path: '^seeds/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'src-not-test-or-bench',
      severity: 'error',
      comment: 'The app does not depend on its tests, benchmarks or seeds.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|seeds)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.spec\\.ts$' },
  },
};
