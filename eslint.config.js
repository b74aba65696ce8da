// Lint rules: typescript-eslint with type information, so floating promises are caught.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// What each layer may not import (docs/architecture.md#what-may-import-what): folders or files directly
// under src/ (`cli` is both src/cli/ and src/cli.ts); the domain imports nothing of ours outside itself.
// The composition root (compose.ts, runtime.ts, server.ts, cli.ts) and src/cli/ may import anything, and so
// may integration tests (*.int.test.ts), which wire layers together as the root does.
const layers = {
  domain: { forbidden: 'everything' },
  commands: { forbidden: ['projections', 'api', 'cli'] },
  projections: { forbidden: ['commands', 'api', 'cli'] },
  adapters: { forbidden: ['commands', 'projections', 'api', 'cli'] },
  api: { forbidden: ['adapters'], allowTypeImports: true },
};
// Imports are relative paths: a file n folders below src/ reaches src/ with n times `../`, so there is one
// block per depth. test/scripts/importRule.unit.test.ts fails when a file in src/ lies deeper than this.
const maxLayerDepth = 6;

// `./a/../../adapters` would reach a layer without the `../` run the rule counts: such paths are refused.
const unnormalized = {
  regex: '^\\./\\.|^(\\.{1,2}/)+[^./].*?/\\.{1,2}(/|$)',
  message: 'write the relative path without ./ or ../ after its start: the import rule reads it',
};

const layerBlock = (layer, depth, test) => {
  const { forbidden, allowTypeImports = false } = layers[layer];
  const toSrc = `^(\\.\\./){${depth}}`;
  // A test beside domain code may use the test helpers; nothing else leaves the domain.
  const regex =
    forbidden === 'everything'
      ? toSrc + (test ? '(?!\\.\\./test/support/)' : '')
      : `${toSrc}(${forbidden.join('|')})(/|\\.[jt]s$|$)`;
  const what =
    forbidden === 'everything' ? 'anything outside the domain' : forbidden.map((f) => `src/${f}`).join(', ');
  const message = `src/${layer} may not ${allowTypeImports ? 'value-' : ''}import ${what}: docs/architecture.md#what-may-import-what`;
  return {
    files: [`src/${layer}/${'*/'.repeat(depth - 1)}*${test ? '.test' : ''}.ts`],
    ignores: ['**/*.int.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message, allowTypeImports }, unnormalized] }],
    },
  };
};
const layerBlocks = Object.keys(layers).flatMap((layer) =>
  Array.from({ length: maxLayerDepth }, (_, i) => i + 1).flatMap((depth) =>
    layers[layer].forbidden === 'everything'
      ? [layerBlock(layer, depth, false), layerBlock(layer, depth, true)]
      : [layerBlock(layer, depth, false)],
  ),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.whalefall/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allow: [{ from: 'lib', name: 'bigint' }] },
      ],
    },
  },
  {
    // knex returns untyped rows; tests read them directly and assert on their shape.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The console: event handlers may be async (Preact ignores what they return).
    files: ['web/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  ...layerBlocks,
  { files: ['eslint.config.js', 'scripts/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
