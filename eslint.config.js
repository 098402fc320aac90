// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const nodeGlobals = { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'renderer/dist/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  { files: ['bin/**/*.js', '*.config.js', 'scripts/**/*.mjs', 'electron/testing/**/*.mjs'], languageOptions: { globals: nodeGlobals } },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // TypeScript (vue-tsc) checks names; the core rule does not know DOM or TS types.
      'no-undef': 'off',
      // Layout is not linted (no formatter is imposed on the project).
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/attributes-order': 'off',
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Dependency direction (docs/design.md §1): renderer → protocol only; it runs in a browser.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**', '**/electron/**', '**/test/**'], message: 'the renderer imports only from protocol/ (docs/design.md §1)' },
            { group: ['node:*'], message: 'the renderer runs in a browser' },
          ],
        },
      ],
    },
  },
  {
    // electron → server → protocol; never the renderer.
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'electron/ does not import the renderer' }] }] },
  },
  {
    // Pure cores: no clock, no randomness, no I/O (docs/design.md §1).
    files: ['server/raft/core/**/*.ts', 'server/ledger/machine/**/*.ts', 'server/game/**/*.ts', 'protocol/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'performance', 'process', 'fetch'],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'pure core: pass time in' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'pure core: pass randomness in' },
        { selector: "NewExpression[callee.name='Date']", message: 'pure core: pass time in' },
      ],
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'net', 'http', 'crypto'] }],
    },
  },
);
