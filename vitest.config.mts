// One vitest config for the monorepo: each Nx project is a vitest project (run with
// `vitest run --project <name>`), @emo/* aliases come from tsconfig.base.json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const base = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.fromEntries(Object.entries(base.compilerOptions.paths).map(([name, [target]]) => [name, resolve(root, target)]));

const project = (name: string, dir: string, exclude: string[] = []) => ({
  extends: true as const,
  test: {
    name,
    root,
    include: [`${dir}/**/*.spec.ts`, `${dir}/**/*.int-spec.ts`, `${dir}/**/*.e2e-spec.ts`],
    exclude: ['**/node_modules/**', ...exclude],
  },
});

/** `import source from './x.lua'` gives the file's text, as esbuild's text loader does in tools/build/build.mjs. */
const luaAsText = {
  name: 'lua-as-text',
  transform(code: string, id: string) {
    return id.endsWith('.lua') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
  },
};

export default defineConfig({
  plugins: [luaAsText],
  resolve: { alias },
  test: {
    globalSetup: [resolve(root, 'tools/testing/global-setup.ts')],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      project('api', 'apps/api'),
      project('worker', 'apps/worker'),
      project('cli', 'apps/cli'),
      project('config', 'libs/config'),
      project('contracts', 'libs/contracts'),
      project('model', 'libs/model'),
      // Timing-sensitive: run alone (see libs/inference/project.json) so other test files do not
      // compete with it for this machine's two cores.
      project('inference', 'libs/inference', ['libs/inference/src/event-loop.spec.ts']),
      { extends: true as const, test: { name: 'inference-timing', root, include: ['libs/inference/src/event-loop.spec.ts'] } },
      project('batching', 'libs/batching'),
      project('cache', 'libs/cache'),
      project('profiler', 'libs/profiler'),
      project('onnx-tools', 'libs/onnx-tools'),
      project('queue', 'libs/queue'),
      project('e2e', 'test', ['test/deploy/**', 'test/security/**', 'test/browser/**']),
      project('browser', 'test/browser'),
      project('deploy-checks', 'test/deploy'),
      project('security', 'test/security'),
      project('bench', 'bench'),
    ],
  },
});
