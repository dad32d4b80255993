// Redis namespaces of the benchmarks: one fresh prefix per run, under the configured QUEUE_PREFIX,
// so a test (or a shared Redis) that sets QUEUE_PREFIX owns every key a benchmark writes.
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@emo/config';

/** `<QUEUE_PREFIX>-bench-<suite>-<8 hex>`; the suite deletes its keys when it ends. */
export function benchPrefix(config: Pick<AppConfig, 'runtime'>, suite: string): string {
  return `${config.runtime.queuePrefix}-bench-${suite}-${randomUUID().slice(0, 8)}`;
}
