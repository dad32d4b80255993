// One chunk on the interactive lane: `<failed attempts> <stalls> <json>`, the counters first so the
// Lua scripts (commands/lane-*.lua) count a stall or an attempt without decoding the JSON.
import type { ChunkJob } from '../chunk-job';
import type { ChunkData } from '../fleet-job.types';

export interface LaneEntry {
  /** The entry as it sits in Redis (LREM needs it byte for byte). */
  readonly raw: string;
  /** Attempts that failed so far. */
  readonly failed: number;
  /** Times a worker's lease lapsed while it held the entry. */
  readonly stalls: number;
  readonly data: ChunkData;
  /** Attempts allowed (JOB_ATTEMPTS when it was queued). */
  readonly attempts: number;
  /** When the API queued it (ms since the epoch, the API's clock). */
  readonly queuedAt: number;
}

interface Body {
  readonly d: ChunkData;
  readonly n: number;
  readonly t: number;
}

export function encodeLaneEntry(job: ChunkJob, queuedAt: number): string {
  const body: Body = { d: job.data, n: job.opts.attempts ?? 1, t: queuedAt };
  return `0 0 ${JSON.stringify(body)}`;
}

/** The entry with one more failed attempt counted (what a retry or the dead list gets). */
export function withFailedAttempt(entry: LaneEntry): string {
  const json = entry.raw.slice(entry.raw.indexOf(' ', entry.raw.indexOf(' ') + 1) + 1);
  return `${entry.failed + 1} ${entry.stalls} ${json}`;
}

/** The entry's parts; undefined when it is not one (nothing of ours writes such an entry). */
export function decodeLaneEntry(raw: string): LaneEntry | undefined {
  const first = raw.indexOf(' ');
  const second = raw.indexOf(' ', first + 1);
  if (first <= 0 || second <= first + 1) return undefined;
  const failed = Number(raw.slice(0, first));
  const stalls = Number(raw.slice(first + 1, second));
  if (!Number.isInteger(failed) || !Number.isInteger(stalls)) return undefined;
  try {
    const body = JSON.parse(raw.slice(second + 1)) as Body;
    if (typeof body?.d?.jobId !== 'string' || !Array.isArray(body.d.items)) return undefined;
    return { raw, failed, stalls, data: body.d, attempts: body.n, queuedAt: body.t };
  } catch {
    return undefined;
  }
}
