// The linter (`npm run lint`): typescript-eslint's recommended rules everywhere, and its two type-aware
// rules for promises — a promise nobody awaits or catches, a promise handed where nothing awaits it —
// over the TypeScript that tsconfig.json types (src, test, bench, scripts). Formatting is Prettier's
// (.prettierrc.json): eslint-config-prettier, last, turns off every rule that would fight it.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The files tsconfig.json types: these get the type-aware rules. */
export const typed = ['{src,test,bench,scripts}/**/*.{ts,mts}'];
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(
  {
    // built, fetched or generated; test/fixtures holds inputs the tests read, not code they run
    ignores: [
      'dist/',
      'dist.building-*/',
      '.engine/',
      '.bench-tmp/',
      '.bundle/',
      'plugin/dist/',
      'plugin/skills/',
      'plugin/*.next-*/',
      'test/fixtures/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Control characters in a regular expression are this code's purpose, not a slip: it strips
      // terminal escapes and control bytes from names clients send (util/client-name.ts), and the
      // build and tests look for NUL and non-Latin-1 bytes.
      'no-control-regex': 'off',
      // A name starting with _ is the code's mark for one left unused on purpose: a field dropped
      // from a rest spread (`{ result: _r, ...job }`), a callback's parameter kept for its place.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A late-bound variable read by callbacks made before it is assigned (`let fake; … fake = new
      // Fake(server)`, the server's handlers reading it) cannot be a const declared where it is.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: typed,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  prettier,
);
