// One API app per test on the real Redis (a fresh QUEUE_PREFIX each), with an optional in-process
// chunk consumer, torn down after every test: the setup the API integration specs share.
import type { Classifier } from '@emo/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { loadConfig } from '@emo/config';
import { createLogger } from '@emo/profiler';
import type { ChunkConsumer } from '@emo/queue';
import { afterEach, inject } from 'vitest';
import { createApiApp, type ApiApp, type ApiDeps } from '../api-app';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import { TENANTS } from '../tokens';

export const TEST_API_KEY = 'test-key-0123456789';
export const testAuth = { authorization: `Bearer ${TEST_API_KEY}` };
/** A second tenant's key (tenant isolation specs): start with `testTwoTenantsEnv` and send `testAuthB`. */
export const TEST_API_KEY_B = 'test-key-b-9876543210';
export const testAuthB = { authorization: `Bearer ${TEST_API_KEY_B}` };
/** Env that makes TEST_API_KEY and TEST_API_KEY_B two tenants. */
export const testTwoTenantsEnv: Readonly<Record<string, string>> = { API_KEYS: `${TEST_API_KEY},${TEST_API_KEY_B}` };
/** Env that also gives TEST_API_KEY the admin scope (GET /v1/profile, traces, cache stats): API_KEYS keys have none by default. */
export const testAdminEnv: Readonly<Record<string, string>> = { API_ADMIN_KEYS: TEST_API_KEY };

type Concurrency = { interactive: number; bulk: number };

export interface ApiTestHarness {
  /** The running app (throws before `start`). */
  readonly api: ApiApp;
  /** This test's QUEUE_PREFIX. */
  readonly prefix: string;
  /** `deps.logger`: a logger of the test's own (silent by default). */
  start(env?: Record<string, string>, deps?: ApiDeps): Promise<ApiApp>;
  startConsumer(classifier: Classifier, concurrency: Concurrency): ChunkConsumer;
  request(opts: Parameters<ApiApp['app']['inject']>[0]): ReturnType<ApiApp['app']['inject']>;
  /** The id of the tenant the running app gives `key` (default TEST_API_KEY), as its guard would. */
  tenantId(key?: string): string;
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
    async start(env = {}, deps = {}) {
      prefix = `test-${tag}-${randomUUID().slice(0, 8)}`;
      const config = loadConfig({
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: prefix,
        API_KEYS: TEST_API_KEY,
        LOG_LEVEL: 'silent',
        ...defaults,
        ...env,
      });
      api = await createApiApp(config, { logger: deps.logger ?? createLogger({ level: 'silent' }) });
      return api;
    },
    startConsumer(classifier, concurrency) {
      consumer = running().fleet.startConsumer(classifier, { concurrency, lockDurationMs: 10_000 });
      return consumer;
    },
    request: (opts) => running().app.inject(opts as never),
    tenantId(key = TEST_API_KEY) {
      const tenants = running().app.get<TenantDirectory>(TENANTS);
      const digest = createHash('sha256').update(key).digest();
      const tenant = tenants.defaultTenant() ?? tenants.entries().find((e) => e.keySha256.equals(digest))?.tenant;
      if (!tenant) throw new Error('the test API does not know this key');
      return tenant.id;
    },
  };
}
