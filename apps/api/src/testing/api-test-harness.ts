// One API app per test on the real Redis (a fresh QUEUE_PREFIX each), with an optional in-process
// chunk consumer, torn down after every test: the setup the API integration specs share.
import type { Classifier } from '@emo/contracts';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@emo/config';
import { createLogger } from '@emo/profiler';
import type { ChunkConsumer } from '@emo/queue';
import { afterEach, inject } from 'vitest';
import { createApiApp, type ApiApp } from '../api-app';

export const TEST_API_KEY = 'test-key-0123456789';
export const testAuth = { authorization: `Bearer ${TEST_API_KEY}` };

type Concurrency = { interactive: number; bulk: number };

export interface ApiTestHarness {
  /** The running app (throws before `start`). */
  readonly api: ApiApp;
  /** This test's QUEUE_PREFIX. */
  readonly prefix: string;
  start(env?: Record<string, string>): Promise<ApiApp>;
  startConsumer(classifier: Classifier, concurrency: Concurrency): ChunkConsumer;
  request(opts: Parameters<ApiApp['app']['inject']>[0]): ReturnType<ApiApp['app']['inject']>;
}

/** Call inside a `describe`: registers the teardown (consumer closed, keys purged, app closed) after each test. */
export function useApiTestHarness(tag: string, defaults: Record<string, string> = {}): ApiTestHarness {
  let api: ApiApp | undefined;
  let consumer: ChunkConsumer | undefined;
  let prefix = '';
  afterEach(async () => {
    await consumer?.close(5000);
    consumer = undefined;
    if (api) {
      await api.fleet.purge();
      await api.close();
      api = undefined;
    }
  });
  const running = (): ApiApp => {
    if (!api) throw new Error('the test API is not started');
    return api;
  };
  return {
    get api() {
      return running();
    },
    get prefix() {
      return prefix;
    },
    async start(env = {}) {
      prefix = `test-${tag}-${randomUUID().slice(0, 8)}`;
      const config = loadConfig({
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: prefix,
        API_KEYS: TEST_API_KEY,
        LOG_LEVEL: 'silent',
        ...defaults,
        ...env,
      });
      api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
      return api;
    },
    startConsumer(classifier, concurrency) {
      consumer = running().fleet.startConsumer(classifier, { concurrency, lockDurationMs: 10_000 });
      return consumer;
    },
    request: (opts) => running().app.inject(opts as never),
  };
}
