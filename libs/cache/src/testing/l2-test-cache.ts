// The cache under test in the L2 integration specs: a TwoLevelCache of a fake model over one L2
// client, and a logger that records what was logged.
import { Registry } from 'prom-client';
import { CacheNamespace } from '../keys/cache-namespace';
import { L1ResultCache } from '../l1/l1-result-cache';
import type { CacheRedis } from '../l2/cache-redis';
import { L2ResultStore, type L2Options } from '../l2/l2-result-store';
import { CacheMetrics } from '../metrics/cache-metrics';
import { TwoLevelCache } from '../two-level-cache';
import { FakeClassifier, fakeModel } from './fake-classifier';

export class RecordingLogger {
  readonly lines: { level: string; msg: string }[] = [];
  warn(_obj: unknown, msg?: string) {
    this.lines.push({ level: 'warn', msg: msg ?? '' });
  }
  info(_obj: unknown, msg?: string) {
    this.lines.push({ level: 'info', msg: msg ?? '' });
  }
}

export type TestCacheOptions = Partial<L2Options> & { revision?: string; writeComputedToL2?: boolean };

/** A cache of the fake model `revision` under `prefix` on `client`, with its L2 and a fake inner classifier. */
export function makeTestCache(prefix: string, client: CacheRedis, opts: TestCacheOptions = {}) {
  const metrics = CacheMetrics.for(new Registry());
  // A generous L2 timeout: a loaded machine must not turn a hit into a timeout; the fault tests set their own.
  const l2 = new L2ResultStore(client, { ttlSeconds: 60, timeoutMs: 1000, retryMs: 100, logIntervalMs: 60_000, metrics, ...opts });
  const sut = new TwoLevelCache({
    namespace: new CacheNamespace(prefix, fakeModel(opts.revision)),
    l1: new L1ResultCache({ maxEntries: 100, maxBytes: 1 << 20, ttlSeconds: 60 }),
    l2,
    metrics,
    writeComputedToL2: opts.writeComputedToL2,
  });
  return { sut, l2, inner: new FakeClassifier(`fake@${opts.revision ?? 'rev1'}`) };
}
