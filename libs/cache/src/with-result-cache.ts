// Wraps an engine-like object so `classify` goes through the cache while every other member
// (modelId, bundle, tokenizer, stats…) is the engine's own; `close` closes both. Used by the CLI
// so commands keep their InferenceEngine type.
import type { ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { TwoLevelCache } from './two-level-cache';

export interface Closable {
  close(): Promise<void>;
}

export function withResultCache<E extends Closable & { classify(texts: readonly unknown[], opts?: never): Promise<ClassifyOutcome[]> }>(
  engine: E,
  cache: TwoLevelCache,
  closeCache: () => Promise<void>,
): E {
  const classify = (texts: readonly unknown[], opts?: ClassifyOptions) =>
    cache.classify({ classify: (t, o) => (engine.classify as (t: readonly unknown[], o?: ClassifyOptions) => Promise<ClassifyOutcome[]>)(t, o) }, texts, opts);
  const close = async () => {
    await closeCache();
    await engine.close();
  };
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'classify') return classify;
      if (prop === 'close') return close;
      if (prop === 'resultCache') return cache;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
