// Lint rules that keep the architecture honest: Nx module boundaries by tag, and the
// "who may import what" rules of docs/architecture (only inference touches ORT, only
// cache/queue touch Redis, nothing but libs/config reads process.env).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
const ORT = {
  group: ['onnxruntime-node', 'onnxruntime-common'],
  message: 'Only libs/inference (and offline libs/onnx-tools) may use ONNX Runtime.',
};
const REDIS = { group: ['ioredis', 'bullmq'], message: 'Only libs/cache and libs/queue may talk to Redis.' };

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['@emo/api', '@emo/worker'],
          depConstraints: [
            { sourceTag: 'layer:base', onlyDependOnLibsWithTags: ['layer:base'] },
            { sourceTag: 'layer:pure', onlyDependOnLibsWithTags: ['layer:base'] },
            { sourceTag: 'layer:io', onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io'] },
            { sourceTag: 'layer:tool', onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io'] },
            { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io'] },
            // Benchmarks drive the offline tools (the RoBERTa-shaped model, GoEmotions readers) but no app.
            { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io', 'layer:tool'] },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['layer:base', 'layer:pure', 'layer:io', 'layer:tool', 'scope:bench', 'scope:api', 'scope:worker'],
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through @emo/config (loadConfig).' },
      ],
    },
  },
  {
    files: ['libs/config/src/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', 'tools/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['libs/contracts/src/**/*.ts', 'libs/config/src/**/*.ts', 'libs/batching/src/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([ORT, REDIS, { group: ['@huggingface/*'], message: 'Pure library.' }]) },
  },
  {
    files: ['libs/model/src/**/*.ts', 'libs/profiler/src/**/*.ts', 'apps/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([ORT, REDIS]) },
  },
  { files: ['libs/inference/src/**/*.ts', 'libs/onnx-tools/src/**/*.ts'], rules: { 'no-restricted-imports': restrict([REDIS]) } },
  { files: ['libs/cache/src/**/*.ts', 'libs/queue/src/**/*.ts'], rules: { 'no-restricted-imports': restrict([ORT]) } },
];
