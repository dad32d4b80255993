// Redis auth on Kubernetes: both in-cluster Redis instances run with requirepass from Secret
// emo-redis-auth (handed to redis-server on stdin, never on its command line), refuse to start
// with the shipped placeholder, and the API and workers build REDIS_URL / CACHE_REDIS_URL from
// the same Secret with $(REDIS_PASSWORD). The start script is run for real against this machine's
// redis-server (which CI installs): the placeholder is refused, a real password is required.
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { k8sDir, OVERLAYS } from './support/deploy-paths';
import { renderKustomization, type Manifest } from './support/kustomize-lite';
import { container, envOf, find, REAL_SECRETS, type Container, type Workload } from './support/manifest-query';
import { freePort, redisServerInstalled, startRedis, untilListening } from './support/redis-processes';

type RedisContainer = Container & {
  command: string[];
  args: string[];
  readinessProbe: { exec: { command: string[] } };
};
const REDIS = [
  ['StatefulSet', 'redis-queue'],
  ['Deployment', 'redis-cache'],
] as const;
const redisContainer = (ms: Manifest[], kind: string, name: string) =>
  find<Workload>(ms, kind, name).spec.template.spec.containers[0] as RedisContainer;
const PASSWORD = REAL_SECRETS['emo-redis-auth'].REDIS_PASSWORD;

describe.each(OVERLAYS)('deploy/k8s overlay %s: Redis auth', (overlay) => {
  const ms = renderKustomization(resolve(k8sDir, 'overlays', overlay));

  it('runs both Redis instances with requirepass from Secret emo-redis-auth, never on their command line', () => {
    const secret = find<Manifest & { stringData: Record<string, string> }>(ms, 'Secret', 'emo-redis-auth');
    expect(Object.keys(secret.stringData)).toEqual(['REDIS_PASSWORD']);
    for (const [kind, name] of REDIS) {
      const c = redisContainer(ms, kind, name);
      const fromSecret = { secretKeyRef: { name: 'emo-redis-auth', key: 'REDIS_PASSWORD' } };
      expect(c.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: fromSecret });
      expect(c.env, 'redis-cli in the probe authenticates').toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: fromSecret });
      expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
      expect(c.command[2]).toMatch(/exec redis-server "\$@" - <<EOF\nrequirepass \$REDIS_PASSWORD\nEOF/);
      // The kubelet expands $(VAR) in command and args: the script must not contain any.
      expect(c.command.join(' ')).not.toMatch(/\$\(/);
      expect(c.args.join(' ')).not.toMatch(/requirepass|PASSWORD/);
      // redis-cli exits 0 on NOAUTH: the probe must look for PONG.
      expect(c.readinessProbe.exec.command.join(' ')).toMatch(/redis-cli ping \| grep -qx PONG/);
    }
  });

  it('builds the API and worker Redis URLs from the same Secret, and keeps passwords out of the ConfigMap', () => {
    for (const name of ['emo-api', 'emo-worker']) {
      const c = container(ms, name);
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'emo-redis-auth' } });
      const env = envOf(ms, c);
      expect(env.REDIS_URL).toBe(`redis://:${PASSWORD}@redis-queue:6379`);
      expect(env.CACHE_REDIS_URL).toBe(`redis://:${PASSWORD}@redis-cache:6379`);
      const config = loadConfig(env);
      expect(new URL(config.runtime.redisUrl).password).toBe(PASSWORD);
    }
    const data = find<Manifest & { data: Record<string, string> }>(ms, 'ConfigMap', 'emo-config').data;
    expect(Object.keys(data)).not.toContain('REDIS_URL');
    expect(JSON.stringify(data)).not.toMatch(/PASSWORD|@/);
  });
});

if (!redisServerInstalled) console.warn('redis-auth.spec: redis-server is not installed here: the start-script run is skipped');

/** Runs redis-queue's container command + args (plus a local port and dir) with REDIS_PASSWORD set. */
async function startScript(password: string) {
  const c = redisContainer(renderKustomization(resolve(k8sDir, 'overlays', 'cpu')), 'StatefulSet', 'redis-queue');
  return startRedis(c, password, await freePort());
}

describe.runIf(redisServerInstalled || process.env.REQUIRE_REDIS === '1')('the Redis start script (real redis-server)', () => {
  it.each(['unset', 'too-short', 'has space in it 0123456789', 'p@ss/word:0123456789'])('refuses the password %j', async (password) => {
    const run = await startScript(password);
    try {
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toMatch(/REDIS_PASSWORD in Secret emo-redis-auth/);
    } finally {
      await run.stop();
    }
  });

  it('starts redis-server with requirepass and the manifest policy: no command without AUTH', async () => {
    const run = await startScript(PASSWORD);
    const anonymous = new Redis({
      port: run.port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    });
    const authed = new Redis({ port: run.port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, retryStrategy: () => 100 });
    for (const client of [anonymous, authed]) client.on('error', () => undefined); // refused while starting, NOAUTH: expected
    try {
      await untilListening(run.port, run.exited);
      await authed.connect();
      expect(await authed.ping()).toBe('PONG');
      expect(await authed.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await authed.config('GET', 'maxmemory')).toEqual(['maxmemory', String(1280 * 2 ** 20)]);
      await anonymous.connect().catch(() => undefined);
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
      authed.disconnect();
      await run.stop();
    }
  }, 20_000);
});
