// ioredis connections for the fleet. BullMQ needs maxRetriesPerRequest: null on the connections
// its workers block on; the API's connections fail fast instead so a request does not hang.
import { Redis } from 'ioredis';

export function createRedis(url: string, opts: { blocking?: boolean; name?: string } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: opts.blocking ? null : 2,
    enableReadyCheck: true,
    connectionName: opts.name,
    lazyConnect: false,
  });
}
