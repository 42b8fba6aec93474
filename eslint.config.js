import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.dependency-cruiser.cjs', 'dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'reports/**', 'migrations/**'] },
  js.configs.recommended,
  // Type-aware: floating promises, unsafe any, needless assertions and the like are errors.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Plain JavaScript config and setup files are outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
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
            {
              name: 'typeorm',
              importNames: ['DataSource'],
              message: 'Services hold no DataSource: move the SQL to the repository, which takes the manager (last, optional).',
            },
            {
              name: '@nestjs/typeorm',
              importNames: ['InjectDataSource'],
              message: 'Services hold no DataSource: move the SQL to the repository, which takes the manager (last, optional).',
            },
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
        {
          selector: "CallExpression[callee.name='BigInt']",
          message: 'Map rows with columnsOf + queryEntities (entity rows) or rowShape (sums, counts) from src/database/data-access.ts.',
        },
        {
          selector: "CallExpression[callee.name='Number']",
          message: 'Map rows with columnsOf + queryEntities (entity rows) or rowShape (sums, counts) from src/database/data-access.ts.',
        },
      ],
    },
  },
  {
    // Tests, benches and seeds read rows from a plain pg client (typed any by pg) and hand jest
    // methods to expect(): the any-safety and unbound-method rules would only add casts there.
    files: ['test/**', '**/*.spec.ts', 'bench/**', 'seeds/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Callbacks handed to waiting helpers and fakes are async by contract, awaited or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
