// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'renderer/dist/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  { files: ['bin/**/*.js', '*.config.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Pure cores: no clock, no randomness, no I/O (DESIGN §1).
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
