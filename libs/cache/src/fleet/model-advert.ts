// Workers advertise the identity of the model they serve in the cache Redis, so the API — which
// never loads the model — can compute the same cache keys and answer hits without enqueuing.
import type { CacheRedis } from '../l2/cache-redis';
import { cacheRoot, type CacheModelIdentity } from '../keys/cache-namespace';

export const modelAdvertKey = (prefix: string): string => `${cacheRoot(prefix)}served-model`;

export async function advertiseModel(redis: CacheRedis, prefix: string, model: CacheModelIdentity): Promise<void> {
  await redis.set(modelAdvertKey(prefix), JSON.stringify(model));
}

/** The advertised identity, or undefined when no worker has advertised one (or it is unreadable). */
export async function readAdvertisedModel(redis: CacheRedis, prefix: string): Promise<CacheModelIdentity | undefined> {
  const raw = await redis.get(modelAdvertKey(prefix));
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<CacheModelIdentity>;
    const ok =
      typeof v.name === 'string' &&
      typeof v.revision === 'string' &&
      typeof v.thresholdsVersion === 'string' &&
      typeof v.precision === 'string' &&
      typeof v.maxLength === 'number' &&
      Array.isArray(v.labels) &&
      v.labels.every((l) => typeof l === 'string');
    return ok ? (v as CacheModelIdentity) : undefined;
  } catch {
    return undefined;
  }
}
