// Every number the bottleneck rules compare with (the p95 target aside: PROFILER_P95_TARGET_MS),
// each with the reasoning (and the recorded windows, ../fixtures/*.window.json) behind its value.
// docs/observability.md renders this table (bottleneck-rules.spec.ts fails when the two drift).

interface Threshold {
  readonly value: number;
  readonly why: string;
}

export const THRESHOLDS = {
  SATURATED_BUSY: {
    value: 0.8,
    why:
      'Utilization knee of a single server: the mean queueing delay grows as ρ/(1−ρ) service times, 4 at 0.8 and 9 at 0.9, so past 0.8 added load mostly turns into waiting. ' +
      'Below it the device was free at least a fifth of the window, so texts that waited were held by something else (bursts, the host event loop). ' +
      'Recorded windows (2-core VM, load 12–17): a device fed throughout read 0.95 and 0.98 (model-bound, too-few-workers); a 20 000-text burst that starved the worker event loop read 0.23 with batch_wait dominant (burst-host-bound). ' +
      'The room between 0.8 and those readings absorbs hand-off gaps and the window edges: a batch counts whole in the window it finished in (the one straddling the window start counts, the one still running does not), so a reading can be one batch per thread off either way (those windows were recorded when the oldest, partly expired slot of the ring also counted whole, up to a sixth high). ' +
      'It is also the line for a dominant batch_wait (the 0.6 chosen there to pass one test is gone).',
  },
  UNDERUSED_BUSY: {
    value: 0.5,
    why: 'Under half busy the device idles more than it works: batches twice as large (one budget step) would still fit in the window, so when they are capped it is the cap, not the device, that limits throughput.',
  },
  BUDGET_AT_MAX_SHARE: {
    value: 0.5,
    why: 'A majority of batches ran with the budget at BATCH_MAX_TOKENS: the cap binds for the typical batch, not for an odd long text.',
  },
  SLOTS_FULL: {
    value: 0.75,
    why:
      'Chunk slots are sampled at each publish; a worker with work waiting still drops a slot for queue turnaround (complete, fetch, cache lookups), so a full worker reads under 1 (too-few-workers: 1.0 with one slot). ' +
      'Three quarters is "all slots but one of four busy".',
  },
  SLOTS_PULLING: {
    value: 0.1,
    why: 'With chunks waiting in the queue, a worker seen holding a chunk in one sample in ten is taking them (turnaround explains the gaps); below that no worker is taking this queue.',
  },
  COLD_HIT_RATE: {
    value: 0.2,
    why: 'Under one hit in five the cache saves less than a fifth of the device work; warming it is cheaper than buying capacity when texts repeat.',
  },
  COLD_MIN_LOOKUPS: {
    value: 20,
    why: 'A hit rate over fewer lookups is noise: at 20 lookups one hit already moves it by 5 points.',
  },
  GPU_MEMORY_FULL: {
    value: 0.9,
    why: 'The line of the EmoGpuMemoryNearFull alert (deploy/prometheus/emo-alerts.rules.yml): above it a larger batch risks OUT_OF_MEMORY and batch splitting.',
  },
  ERROR_RATE: {
    value: 0.01,
    why: 'One text in a hundred failing is worth a look long before the EmoTextErrorRate alert pages at 5 %.',
  },
  PADDING_EFFICIENCY: {
    value: 0.5,
    why: 'Under half of the padded tokens real: the device spends more of its work on padding than on text.',
  },
} as const satisfies Record<string, Threshold>;

export type ThresholdName = keyof typeof THRESHOLDS;

/** The threshold values by name (what conditions compare with). */
export const T = Object.fromEntries(Object.entries(THRESHOLDS).map(([k, v]) => [k, v.value])) as Record<ThresholdName, number>;
