// Bundles the apps with esbuild into dist/: the `emo` CLI (which also serves api/worker) and
// the inference worker-thread script. Path aliases come from tsconfig; npm packages stay external.
// esbuild emits no decorator metadata: Nest providers are injected with explicit @Inject(token).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];

const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: {
    emo: 'apps/cli/src/main.ts',
    'inference.worker': 'libs/inference/src/thread/inference.worker.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  tsconfig: 'tsconfig.json',
  external,
  // The queue's Lua commands (libs/queue/src/commands/*.lua) are bundled as strings: no files to
  // copy into dist/ or find at run time (vitest.config.mts does the same for tests from source).
  loader: { '.lua': 'text' },
  logLevel: 'warning',
});
if (process.argv.includes('--verbose')) console.error(`built dist/ in ${Date.now() - started} ms`);
