// Where the shipped default bundle lives, whether we run from sources, tests or the dist bundle.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DEFAULT_MODEL_NAME = 'goemotions-mini';

/** The root of this package (the folder whose package.json is named emo-fleet). */
export function packageRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'emo-fleet') return dir;
      } catch {
        // keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** MODEL_DIR when set, else the shipped default model. */
export function resolveModelDir(configured: string | undefined): string {
  return configured ? resolve(configured) : join(packageRoot(), 'models', DEFAULT_MODEL_NAME);
}
