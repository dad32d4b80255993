// One span of a traced job: a stage one of its operations went through, where and when.
import type { Stage } from '../stages/stages';

export interface SpanRecord {
  readonly stage: Stage;
  /** ms since the epoch when the stage started. */
  readonly start: number;
  readonly ms: number;
  /** Texts the operation covered. */
  readonly count: number;
  /** The process that recorded it (`role:host:pid`). */
  readonly source: string;
}

/** Where traced spans go (a Redis list per job with a TTL; in memory in tests and the CLI). */
export interface TraceStore {
  appendSpans(traceId: string, spans: readonly SpanRecord[], ttlSeconds: number): Promise<void>;
  spans(traceId: string): Promise<SpanRecord[]>;
}
