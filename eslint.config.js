// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'docs/api/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='eval']", message: 'user expressions are data: never eval' },
      ],
      // No import cycles, type-only imports included: every module can be read bottom-up.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'max-len': ['error', { code: 120, ignoreUrls: true }],
    },
  },
  {
    // Layering: numeric/ never imports the CAS or the symbolic layer.
    files: ['numeric/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['nerdamer-prime', 'nerdamer-prime/*', '../src/*', '../src/**'] },
      ],
    },
  },
  {
    // proofs/ never imports the CLI.
    files: ['proofs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../src/cli/*', '../src/cli/**'] }] },
  },
  {
    // src/ talks to nerdamer only through its adapter, and imports proofs/ only from the CLI.
    files: ['src/**/*.ts'],
    ignores: ['src/cas/nerdamer.ts', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['nerdamer-prime', 'nerdamer-prime/*', '**/proofs', '**/proofs/**'] },
      ],
    },
  },
  {
    // src/recipe/ sits on the expression, zero-decision and numeric layers only.
    files: ['src/recipe/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'nerdamer-prime',
            '**/proofs',
            '**/proofs/**',
            ...['cli', 'check', 'report', 'teleport', 'export', 'evaluator', 'render', 'output', 'laws']
              .concat(['mirror', 'rules', 'derive', 'model', 'declaration', 'cas'])
              .flatMap((d) => [`../${d}`, `../${d}/**`]),
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
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
