// Buffers spans per job and writes them to the TraceStore in the background (one write per job
// per flush, never on the hot path); a failing store drops spans and is reported once.
import type { SpanRecord, TraceStore } from './span-record';

export interface TraceRecorderOptions {
  readonly store: TraceStore;
  readonly retentionSeconds: number;
  readonly flushIntervalMs?: number;
  /** Spans kept in memory before new ones are dropped (bounds memory when the store is down). */
  readonly maxBuffered?: number;
  readonly onError?: (error: Error) => void;
}

export class TraceRecorder {
  private buffer = new Map<string, SpanRecord[]>();
  private buffered = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private reported = false;

  constructor(private readonly options: TraceRecorderOptions) {}

  record(traceId: string, span: SpanRecord): void {
    if (this.buffered >= (this.options.maxBuffered ?? 100_000)) return;
    let list = this.buffer.get(traceId);
    if (!list) this.buffer.set(traceId, (list = []));
    list.push(span);
    this.buffered++;
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs ?? 250).unref();
  }

  /** Writes everything buffered; resolves when written (or dropped after an error). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const previous = this.flushing ?? Promise.resolve();
    const batch = this.buffer;
    this.buffer = new Map();
    this.buffered = 0;
    const run = previous.then(() =>
      Promise.all([...batch].map(([id, spans]) => this.options.store.appendSpans(id, spans, this.options.retentionSeconds))).then(
        () => undefined,
        (e: Error) => {
          if (!this.reported) this.options.onError?.(e);
          this.reported = true;
        },
      ),
    );
    this.flushing = run;
    return run;
  }
}
