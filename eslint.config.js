import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.dependency-cruiser.cjs', 'dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'reports/**', 'migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through the config module (APP_CONFIG).' }],
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money and hash rate never pass through a JS number.' }],
    },
  },
  {
    // The config loader, the CLI entry points' test-database settings, tests and benches may read the environment.
    files: ['src/config/**', 'src/database/test-database-guard.ts', 'src/main.ts', 'test/**', 'bench/**', '*.js', 'test/**/*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Services hold no SQL and no DataSource: a repository takes the manager it is given (last,
    // optional) and defaults to its own DataSource.
    files: ['src/**/*.service.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'typeorm', importNames: ['DataSource'], message: 'Services hold no DataSource: move the SQL to the repository, which takes the manager (last, optional).' },
            { name: '@nestjs/typeorm', importNames: ['InjectDataSource'], message: 'Services hold no DataSource: move the SQL to the repository, which takes the manager (last, optional).' },
          ],
        },
      ],
    },
  },
  {
    // Raw rows are mapped once, by src/database/data-access.ts (entity metadata and its
    // transformers, or a row shape declared once): no repository converts a column by hand.
    files: ['src/modules/**/*.repository.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='BigInt']", message: 'Map rows with columnsOf + queryEntities (entity rows) or rowShape (sums, counts) from src/database/data-access.ts.' },
        { selector: "CallExpression[callee.name='Number']", message: 'Map rows with columnsOf + queryEntities (entity rows) or rowShape (sums, counts) from src/database/data-access.ts.' },
      ],
    },
  },
  {
    files: ['test/**', '**/*.spec.ts', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
