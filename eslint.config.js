// Type-aware lint: floating or misused promises are errors (a floating promise in a
// request path is how one tenant's error lands in another's response).
// Architecture: eslint-plugin-boundaries keeps the lib graph of DESIGN.md ("Layout").
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { resolve } from 'node:path';
import tseslint from 'typescript-eslint';

// What each lib may import, listed explicitly (a new lib is disallowed everything until it is added).
// DESIGN.md: config <- database <- (identity, rbac, audit) <- tenancy <- (corpus, billing) <- apps.
// common, redis and jobs are leaves any layer above config may use; identity uses rbac's route
// decorators (rbac never imports identity).
const below = (...libs) => ['common', 'config', 'redis', 'jobs', 'metrics', ...libs];
const LIB_DEPS = {
  common: [],
  config: [],
  redis: ['config'],
  jobs: ['common', 'config', 'redis'],
  database: ['common', 'config'],
  devstack: ['common', 'config', 'database'],
  secrets: below('database'),
  rbac: below('database'),
  audit: below('database'),
  identity: below('database', 'rbac', 'audit'),
  tenancy: below('database', 'rbac', 'identity', 'audit', 'secrets', 'usage', 'storage'),
  corpus: below('database', 'rbac', 'identity', 'audit', 'tenancy', 'secrets', 'usage', 'storage'),
  usage: below('database'),
  metering: below('database', 'rbac', 'identity', 'audit', 'tenancy', 'secrets', 'usage', 'storage'),
  storage: ['common', 'config'],
  assistant: below('database', 'rbac', 'identity', 'audit', 'tenancy', 'secrets', 'usage', 'corpus', 'metering'),
  metrics: ['common', 'config'],
  operations: below('database', 'rbac', 'identity', 'audit', 'tenancy', 'secrets', 'usage', 'storage'),
  billing: below('database', 'rbac', 'identity', 'audit', 'tenancy', 'secrets', 'usage', 'storage'),
};
const LIBS = Object.keys(LIB_DEPS);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.bench-data/**', 'coverage/**', 'bench/**', 'scripts/**', 'bin/**', 'docker/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    // The web dashboard (a browser bundle, Vite's extensionless imports) imports no lib at all.
    ignores: ['apps/dashboard/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/root-path': import.meta.dirname,
      'boundaries/elements': [
        ...LIBS.map((lib) => ({ type: lib, pattern: `libs/${lib}` })),
        { type: 'unlisted-lib', pattern: 'libs/*' },
        { type: 'app', pattern: 'apps/*', capture: ['app'] },
        { type: 'test', pattern: 'test' },
      ],
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      'import/resolver': { [resolve(import.meta.dirname, 'scripts/eslint-resolve-ts.cjs')]: {}, node: {} },
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          checkUnknownLocals: true,
          message: 'this import goes against the dependency arrows of DESIGN.md (LIB_DEPS in eslint.config.js)',
          policies: [
            ...LIBS.filter((lib) => LIB_DEPS[lib].length).map((lib) => ({ from: { element: { type: lib } }, allow: { to: { element: { type: LIB_DEPS[lib] } } } })),
            { from: { element: { type: ['app', 'test'] } }, allow: { to: { element: { type: LIBS } } } },
            { from: { element: { type: 'test' } }, allow: { to: { element: { type: 'app' } } } },
            // Last, so it wins over the allows above: another lib is entered only through its index.
            {
              from: { element: { type: [...LIBS, 'unlisted-lib', 'app', 'test'] } },
              disallow: { to: { element: { type: [...LIBS, 'unlisted-lib'], fileInternalPath: '!src/index.ts' } } },
              message: 'import another lib only through its src/index.ts',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
