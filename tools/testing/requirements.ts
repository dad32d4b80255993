// What the test suites need from outside the repository, checked once by the vitest global
// setup: the shared data folder ../shared (GoEmotions, the RoBERTa tokenizer; never copied into
// the repo) and the kubectl binary (its `kubectl kustomize` keeps our renderer honest). Locally a
// missing one makes only the suites that need it skip; CI sets REQUIRE_SHARED=1 and
// REQUIRE_KUBECTL=1 and the whole run fails instead (docs/DEVELOPING.md, Tests).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared beside the repository root, where every reader of shared data looks. */
export const sharedDir = (root: string): string => resolve(root, '..', 'shared');

/**
 * The files under ../shared that specs read (directly or through @emo/onnx-tools' shared-data
 * readers). A spec that starts reading another shared file adds it here, and skips with
 * `describe.skipIf(!inject('sharedAvailable'))`.
 */
export const SHARED_FILES = [
  'tokenizers/roberta-base/tokenizer.json',
  'tokenizers/roberta-base/tokenizer_config.json',
  'datasets/goemotions/original/labels.txt',
  'datasets/goemotions/original/dev.tsv',
] as const;

/** Why the shared data is not usable here, or undefined when every file of SHARED_FILES is there. */
export function sharedDataProblem(dir: string): string | undefined {
  if (!existsSync(dir))
    return `${dir} does not exist (the shared data folder beside the repository root: GoEmotions, the RoBERTa tokenizer)`;
  const missing = SHARED_FILES.filter((f) => !existsSync(join(dir, f)));
  return missing.length === 0 ? undefined : `${dir} lacks ${missing.join(', ')}`;
}

/**
 * Why `kubectl kustomize` cannot render our overlays here, or undefined when it can. deploy/k8s uses
 * kustomize v3+ syntax (folders in `resources:`, `patches: - path:`), which the kustomize v2 inside
 * kubectl <= 1.20 (Debian 12's kubernetes-client) rejects: kubectl >= 1.21 (kustomize v4+) is needed.
 * One `kubectl version --client` (~0.15 s), not a render, since every project's run pays for it.
 */
export function kubectlKustomizeProblem(): string | undefined {
  let out: string;
  try {
    out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      return 'kubectl is not on PATH (test/deploy compares our renderer with `kubectl kustomize`: kubectl >= 1.21 is needed)';
    return `\`kubectl version --client\` failed: ${
      String(err.stderr ?? err.message)
        .trim()
        .split('\n')[0]
    }`;
  }
  const v = (JSON.parse(out) as { clientVersion?: { major?: string; minor?: string; gitVersion?: string } }).clientVersion ?? {};
  const [major, minor] = [Number.parseInt(v.major ?? '', 10), Number.parseInt(v.minor ?? '', 10)];
  if (major > 1 || (major === 1 && minor >= 21)) return undefined;
  return `kubectl ${v.gitVersion ?? `${v.major}.${v.minor}`} is too old: its kustomize v2 cannot render deploy/k8s (folders in \`resources:\`, \`patches: - path:\`); kubectl >= 1.21 (kustomize v4+) is needed`;
}

/**
 * Why the chaos suite (test/chaos) cannot run here, or undefined when it can: it starts redis-servers
 * of its own and cuts a worker off Redis with a network namespace and a veth pair, so it needs the
 * redis-server binary, root and iproute2 (`ip netns`); a probe namespace is added and deleted.
 */
export function chaosProblem(): string | undefined {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'redis-server is not installed (the chaos suite starts its own: apt-get install -y redis-server)';
  if (process.getuid?.() !== 0) return 'the chaos suite needs root (network namespaces and veth pairs for the partition fault)';
  const probe = `emo-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error || add.status !== 0)
    return `\`ip netns add\` does not work here (iproute2, network namespaces): ${String(add.error?.message ?? add.stderr).trim()}`;
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return undefined;
}

/** Debian's Chromium, which the browser suite (test/browser) drives with playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Why the browser suite cannot run here, or undefined when it can: it launches Debian's Chromium
 * (`apt-get install -y chromium`) headless through playwright-core, so the binary must exist and
 * answer `--version`.
 */
export function browserProblem(path: string = CHROMIUM_PATH): string | undefined {
  if (!existsSync(path)) return `${path} does not exist (the browser suite drives Debian's Chromium: apt-get install -y chromium)`;
  const version = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (version.error || version.status !== 0)
    return `\`${path} --version\` failed: ${
      String(version.error?.message ?? version.stderr)
        .trim()
        .split('\n')[0]
    }`;
  return undefined;
}

/** The error for a REQUIRE_* switch that is set but not met (one message naming everything that is missing). */
export function unmetRequirements(checks: { name: string; required: boolean; problem: string | undefined }[]): Error | undefined {
  const unmet = checks.filter((c) => c.required && c.problem !== undefined);
  if (unmet.length === 0) return undefined;
  return new Error(unmet.map((c) => `${c.name}=1 but ${c.problem}`).join('\n'));
}
