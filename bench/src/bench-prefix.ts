// Redis namespaces of the benchmarks: one fresh prefix per run, under the configured QUEUE_PREFIX,
// so a test (or a shared Redis) that sets QUEUE_PREFIX owns every key a benchmark writes.
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';

/** `<QUEUE_PREFIX>-bench-<suite>-<8 hex>`; the suite deletes its keys when it ends. */
export function benchPrefix(config: Pick<AppConfig, 'runtime'>, suite: string): string {
  return `${config.runtime.queuePrefix}-bench-${suite}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every queue and key under `prefix` on the configured Redis (the end of a suite's run). */
export async function purgeBenchPrefix(config: AppConfig, prefix: string): Promise<void> {
  const client = new FleetClient({ ...config, runtime: { ...config.runtime, queuePrefix: prefix } });
  await client.purge().finally(() => client.close());
}
