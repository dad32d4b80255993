// The one redis-server launcher (redis-server.ts): the test Redis of the global setup where no
// container runtime answers, the soak bench's and the chaos suite's servers. It must start with
// the arguments asked for, restart on its port, leave nothing behind when closed, and never
// outlive the process that started it, even one that is SIGKILLed. It needs the redis-server
// binary, which the global setup's own redis-server or the chaos suite's checks vouch for.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisAnswersPing, redisCommand } from './redis-command';
import { RedisServer, redisServerVersion } from './redis-server';

const ROOT = resolve(import.meta.dirname, '../..');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(inject('redisSource') !== 'redis-server' && !inject('chaosAvailable'))(RedisServer.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'emo-redis-server-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on a free loopback port with the arguments asked for, restarts there, and closes without a trace', async () => {
    const sut = await RedisServer.start({ extraArgs: ['--requirepass', 'pw-1'], maxmemoryPolicy: 'allkeys-lru' });
    try {
      expect(sut.port).not.toBe(6379);
      expect(sut.url).toBe(`redis://127.0.0.1:${sut.port}`);
      const authed = `redis://:pw-1@127.0.0.1:${sut.port}`;
      await expect(redisCommand(sut.url, ['PING'])).rejects.toThrow(/NOAUTH/);
      expect(await redisCommand(authed, ['CONFIG', 'GET', 'maxmemory-policy'])).toEqual(['maxmemory-policy', 'allkeys-lru']);
      expect(await redisCommand(authed, ['SET', 'k', 'v'])).toBe('OK');
      expect(await redisCommand(authed, ['GET', 'k'])).toBe('v');
      expect(await redisCommand(authed, ['GET', 'missing'])).toBeNull();
      expect(await redisCommand(authed, ['DBSIZE'])).toBe(1);
      await sut.stop('SIGKILL');
      expect(await redisAnswersPing(authed)).toBe(false);
      await sut.restart();
      expect(await redisCommand(authed, ['PING'])).toBe('PONG');
    } finally {
      await sut.close();
    }
    expect(sut.running).toBe(false);
    expect(existsSync(sut.dir)).toBe(false);
  });

  it('reads INFO and DBSIZE without a password, and knows its version', async () => {
    const sut = await RedisServer.start();
    try {
      expect(await sut.ping()).toBe(true);
      expect(await sut.info('used_memory')).toBeGreaterThan(0);
      expect(await sut.dbsize()).toBe(0);
      expect(redisServerVersion()).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      await sut.close();
    }
  });

  /** A node process that starts one server, prints its pid and waits; `exitNormally` makes it exit without closing it. */
  async function starter(exitNormally: boolean): Promise<{ redisPid: number; node: ReturnType<typeof spawn> }> {
    const script = join(dir, `starter-${exitNormally}.mjs`);
    const bundled = await build({
      stdin: {
        contents: `import { RedisServer } from ${JSON.stringify(resolve(ROOT, 'bench/src/redis-server.ts'))};
          const s = await RedisServer.start();
          console.log(String(s.pid));
          ${exitNormally ? 'process.exit(0);' : 'setInterval(() => undefined, 1000);'}`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      alias: { '@emo/contracts': resolve(ROOT, 'libs/contracts/src/index.ts') },
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    writeFileSync(script, bundled.outputFiles[0]!.text);
    const node = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const redisPid = await new Promise<number>((done, fail) => {
      let out = '';
      node.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) done(Number(out.trim().split('\n')[0]));
      });
      node.once('exit', (code) => (out.includes('\n') ? undefined : fail(new Error(`starter exited ${code}`))));
    });
    return { redisPid, node };
  }

  it('is gone soon after the process that started it is SIGKILLed (watchdog)', async () => {
    const { redisPid, node } = await starter(false);
    expect(alive(redisPid)).toBe(true);
    const exited = new Promise((r) => node.once('exit', r));
    node.kill('SIGKILL');
    await exited;
    await expect.poll(() => alive(redisPid), { timeout: 15_000, interval: 100 }).toBe(false);
  }, 60_000);

  it('is gone when the process that started it exits without closing it', async () => {
    const { redisPid, node } = await starter(true);
    if (node.exitCode === null) await new Promise((r) => node.once('exit', r));
    await expect.poll(() => alive(redisPid), { timeout: 15_000, interval: 100 }).toBe(false);
  }, 60_000);
});
