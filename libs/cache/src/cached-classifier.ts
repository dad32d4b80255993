// THE way to put the result cache in front of a classifier: a Classifier whose answers go through
// a TwoLevelCache (L1 → L2 → `inner` for what is left, then written back). The CLI puts it in front
// of the engine, the worker in front of the engine, the API in front of the fleet; build it with
// `cache.classifier(inner)` on a cache from createResultCache / ResultCacheFactory.
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { TwoLevelCache } from './two-level-cache';

export class CachedClassifier implements Classifier {
  constructor(
    readonly cache: TwoLevelCache,
    readonly inner: Classifier,
  ) {}

  /**
   * Input order kept; `cacheChecked` (the caller already missed these texts in L2) limits the
   * lookup to this process's L1 and the texts in flight here.
   */
  classify(texts: readonly unknown[], options?: ClassifyOptions): Promise<ClassifyOutcome[]> {
    return this.cache.classify(this.inner, texts, options);
  }
}
