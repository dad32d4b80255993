// Installs dependencies when node_modules is missing or older than package-lock.json, so the
// README's commands work on a fresh machine. On machines without nvidia-smi the CUDA download
// of onnxruntime-node is skipped (the CPU binaries ship inside the npm package).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const marker = resolve(root, 'node_modules/.package-lock.json');
const lock = resolve(root, 'package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  const env = { ...process.env };
  let hasGpu = false;
  try {
    execSync('nvidia-smi -L', { stdio: 'ignore' });
    hasGpu = true;
  } catch {
    hasGpu = false;
  }
  if (!hasGpu && env.ONNXRUNTIME_NODE_INSTALL === undefined) env.ONNXRUNTIME_NODE_INSTALL = 'skip';
  console.error(`emo: installing dependencies (npm ci${env.ONNXRUNTIME_NODE_INSTALL === 'skip' ? ', CPU only' : ''})`);
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit', env });
} else if (!existsSync(resolve(root, 'dist/emo.js'))) {
  execSync(`"${process.execPath}" tools/build/build.mjs`, { cwd: root, stdio: 'inherit' });
}
