// Test helpers that run a real fleet: `node bin/emo.js serve api|worker` child processes under a
// unique QUEUE_PREFIX, with readiness read from their JSON log lines on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { loadConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';
import { ROOT } from '../support/run-emo';

export { freePort } from '@emo/bench';
export { ROOT, TINY_MODEL } from '../support/run-emo';

export interface FleetProcess {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly exited: Promise<number | null>;
}

/**
 * The settings every local-fleet spec gives its `emo serve api|worker` children: its own queue prefix
 * on the test Redis, the API on 127.0.0.1:`port`, metrics on a free port, one inference thread, one
 * API key, and info logs (spawnServe waits for info lines). A spec spreads it and adds its own
 * (chunk size, worker and profiler settings, cluster nodes).
 */
export function fleetEnv(o: { prefix: string; redisUrl: string; port: number; model: string; apiKey: string }): Record<string, string> {
  return {
    QUEUE_PREFIX: o.prefix,
    REDIS_URL: o.redisUrl,
    MODEL_DIR: o.model,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    INFERENCE_THREADS: '1',
    API_KEYS: o.apiKey,
    LOG_LEVEL: 'info',
  };
}

/**
 * Spawns `emo serve <role>` and resolves once it logs `readyMessage`. `env.REDIS_URL` (the test Redis,
 * `inject('redisUrl')`) is required, and CACHE_REDIS_URL is that too unless `env` names another: never
 * the 6379 default nor a REDIS_URL / CACHE_REDIS_URL of the shell that runs the tests.
 */
export async function spawnServe(
  role: 'api' | 'worker',
  env: Record<string, string>,
  readyMessage: string,
  timeoutMs = 30_000,
): Promise<FleetProcess> {
  if (!env.REDIS_URL) throw new Error(`spawnServe(${role}): env.REDIS_URL (the test Redis) is required`);
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), 'serve', role], {
    cwd: ROOT,
    env: { ...process.env, CACHE_REDIS_URL: env.REDIS_URL, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${role} not ready in ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs);
    let buffer = '';
    child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(line);
        if (line.includes(`"msg":"${readyMessage}"`)) {
          clearTimeout(timer);
          ready();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${role} exited with ${code} before ready:\n${logs.join('\n')}`));
    });
  });
  return { child, logs, exited };
}

export async function stopAll(processes: readonly (FleetProcess | undefined)[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (!p || p.child.exitCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}

/** One API and `workers` workers on the same env (queue prefix, model, ports). */
export async function startFleet(env: Record<string, string>, workers: number): Promise<{ api: FleetProcess; workers: FleetProcess[] }> {
  const [api, ...started] = await Promise.all([
    spawnServe('api', env, 'api listening'),
    ...Array.from({ length: workers }, () => spawnServe('worker', env, 'worker ready')),
  ]);
  return { api, workers: started };
}

/** Stops the processes (drain, then kill), then deletes every key under the fleet's prefix. */
export async function stopFleet(processes: readonly (FleetProcess | undefined)[], redisUrl: string, prefix: string): Promise<void> {
  await stopAll(processes);
  const fleet = new FleetClient(loadConfig({ REDIS_URL: redisUrl }, { queuePrefix: prefix }));
  try {
    await fleet.purge();
  } finally {
    await fleet.close();
  }
}
