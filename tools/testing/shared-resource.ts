// One resource per vitest process, shared by reference count: vitest runs the root config's global
// setup once for the root and once per selected project, in the same process, each on a fresh module
// instance, so the share lives on globalThis under a Symbol.for key (the same symbol in every module
// instance). The first acquire starts it, every acquire gets the same one, and the last release
// stops it (the test Redis, test-redis.ts, and the test Redis Cluster, test-redis-cluster.ts).

interface Holding<T> {
  value: Promise<T>;
  users: number;
}

export interface SharedLease<T> {
  readonly value: T;
  /** This acquire started it (the one that prints what it got). */
  readonly first: boolean;
  /** Gives it back (once; further calls do nothing); the last release runs `stop`. */
  readonly release: () => Promise<void>;
}

/** Takes the resource held under `key`, starting it with `start` when nobody holds it. */
export async function acquireShared<T>(key: symbol, start: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<SharedLease<T>> {
  const holder = globalThis as unknown as Record<symbol, Holding<T> | undefined>;
  const first = holder[key] === undefined;
  const shared = (holder[key] ??= { value: start(), users: 0 });
  shared.users++;
  const value = await shared.value;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    if (--shared.users > 0) return;
    if (holder[key] === shared) delete holder[key];
    await stop(value);
  };
  return { value, first, release };
}
