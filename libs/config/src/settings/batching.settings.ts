// Batching settings: the dynamic batch optimizer (libs/batching) — budgets, priorities,
// the latency target it keeps, its learning window and its memory limits.
import { z } from 'zod';
import { bool, int, num, setting } from '../setting';

export const batchingSettings = {
  batchMaxTokens: setting(
    'BATCH_MAX_TOKENS',
    int(16, 1_048_576).default(4096),
    'Padded-token budget of one inference batch (texts x longest).',
  ),
  batchMaxSize: setting('BATCH_MAX_SIZE', int(1, 4096).default(64), 'Most texts in one inference batch.'),
  batchAdaptive: setting(
    'BATCH_ADAPTIVE',
    bool().default(true),
    'Let the optimizer choose the batch budget from measured latency (false: always BATCH_MAX_TOKENS / BATCH_MAX_SIZE).',
  ),
  batchMinSize: setting(
    'BATCH_MIN_SIZE',
    int(1, 4096).default(1),
    'Fewest texts the optimizer budgets a batch for (a batch still goes out smaller when fewer texts wait).',
  ),
  batchInteractiveP95TargetMs: setting(
    'BATCH_INTERACTIVE_P95_TARGET_MS',
    num(1, 600_000).default(100),
    'p95 latency target of interactive texts (queue + inference), ms: while interactive traffic is around, batches are capped to keep it.',
  ),
  batchLatencyWindow: setting(
    'BATCH_LATENCY_WINDOW',
    int(8, 100_000).default(200),
    'Batches in the sliding window of the latency model (a + b·padded_tokens + c·texts).',
  ),
  batchExplorationRate: setting(
    'BATCH_EXPLORATION_RATE',
    num(0, 0.5).default(0.05),
    'Fraction of bulk batches sent with a random other budget (smaller only while interactive traffic is around) to keep the latency fit honest.',
  ),
  batchBulkAgingMs: setting(
    'BATCH_BULK_AGING_MS',
    int(0, 3_600_000).default(2000),
    'A bulk text that waited this long ranks with interactive texts by arrival (bulk never starves).',
  ),
  batchInteractiveWindowMs: setting(
    'BATCH_INTERACTIVE_WINDOW_MS',
    int(0, 3_600_000).default(5000),
    'How long after the last interactive text bulk batches stay capped for interactive latency.',
  ),
  batchInteractiveReservedThreads: setting(
    'BATCH_INTERACTIVE_RESERVED_THREADS',
    int(0, 64).default(1),
    'Inference threads kept free of bulk batches while interactive traffic is around (never all of them), so interactive texts do not wait behind bulk.',
  ),
  batchSplitRunTokens: setting(
    'BATCH_SPLIT_RUN_TOKENS',
    z.union([z.enum(['auto', 'off']), int(0, 1_000_000)]).default('auto'),
    'A batch is sorted by length and cut into session runs where one more run costs less than the padding it saves: the cost of a run, in padded tokens. auto: 16 on CPU (measured, ADR 021), off on other providers (one run per batch).',
  ),
  batchQueueBehindRunning: setting(
    'BATCH_QUEUE_BEHIND_RUNNING',
    bool().default(true),
    'While no interactive traffic is around, each inference thread also holds the next bulk batch behind its running one, so it never idles while the event loop is busy (ADR 022); an interactive text takes the queued ones back unrun.',
  ),
  batchMemoryBudgetMb: setting(
    'BATCH_MEMORY_BUDGET_MB',
    int(0, 10_000_000).default(0),
    'CPU: resident-memory budget of the process in MiB; batches are capped to fit what is left (0: no cap). GPUs use free device memory.',
  ),
  batchMemoryPerTokenBytes: setting(
    'BATCH_MEMORY_PER_TOKEN_BYTES',
    int(1, 1 << 30).default(65_536),
    'Estimated activation memory per padded token, bytes (turns free memory into a token cap).',
  ),
} as const;
