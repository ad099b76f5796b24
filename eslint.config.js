// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='eval']", message: 'user expressions are data: never eval' },
      ],
    },
  },
  {
    // Layering: numeric/ never imports the CAS or the symbolic layer; proofs/ never imports the CLI.
    files: ['numeric/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['nerdamer-prime', 'nerdamer-prime/*', '../src/*', '../src/**'] },
      ],
    },
  },
  {
    files: ['proofs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../src/cli/*', '../src/cli/**'] }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cas/nerdamer.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['nerdamer-prime', 'nerdamer-prime/*'] }] },
  },
  {
    files: ['*.js', 'bench/**/*.js', 'scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
