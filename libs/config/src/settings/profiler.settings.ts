// Profiler settings: stage timing and its sampling, the analysis window, per-job tracing,
// GPU polling through nvidia-smi, and the latency target the bottleneck analysis checks.
import { z } from 'zod';
import { bool, int, num, setting } from '../setting';

export const profilerSettings = {
  profilerEnabled: setting(
    'PROFILER_ENABLED',
    bool().default(true),
    'Stage timers, throughput and batch histograms, bottleneck analysis (GET /v1/profile, `emo profile`). Off: only the plain request/chunk metrics remain.',
  ),
  profilerSampleRate: setting(
    'PROFILER_SAMPLE_RATE',
    num(0, 1).default(1),
    'Fraction of stage timings recorded (0..1); counters (texts, batches, cache lookups) stay exact.',
  ),
  profilerWindowSeconds: setting(
    'PROFILER_WINDOW_SECONDS',
    int(10, 3600).default(60),
    'Recent window the bottleneck analysis looks at, seconds.',
  ),
  profilerPublishIntervalMs: setting(
    'PROFILER_PUBLISH_INTERVAL_MS',
    int(250, 600_000).default(5000),
    'How often each api/worker process publishes its window to Redis for the fleet-wide profile.',
  ),
  profilerP95TargetMs: setting(
    'PROFILER_P95_TARGET_MS',
    num(1, 3_600_000).default(1000),
    'End-to-end p95 the analysis (and the alert rules) compare against, ms.',
  ),
  tracingEnabled: setting('TRACING_ENABLED', bool().default(false), 'Keep per-job span records in Redis (GET /v1/jobs/{id}/trace).'),
  traceRetentionSeconds: setting('TRACE_RETENTION_SECONDS', int(10, 30 * 86_400).default(3600), 'How long span records of a job are kept.'),
  gpuPollIntervalMs: setting(
    'GPU_POLL_INTERVAL_MS',
    int(0, 3_600_000).default(5000),
    'How often nvidia-smi is queried for GPU utilization, memory, temperature and power (0: never).',
  ),
  nvidiaSmiPath: setting(
    'NVIDIA_SMI_PATH',
    z.string().min(1).default('nvidia-smi'),
    'The nvidia-smi binary; when it is missing the profiler reports CPU metrics only.',
  ),
} as const;
