// Streams records through the engine in windows, several windows in flight to keep every
// inference thread busy, yielding outcomes in input order. Memory stays bounded by
// windowSize x maxWindowsInFlight whatever the input size.
import type { Classifier, ClassifyOptions, ClassifyOutcome, InputRecord, RecordOutcome } from '@emo/contracts';
import { isRecordError } from '@emo/contracts';

export interface WindowOptions {
  readonly windowSize: number;
  readonly maxWindowsInFlight: number;
  readonly classify?: ClassifyOptions;
}

export interface ClassifiedRecord {
  readonly record: RecordOutcome;
  /** Absent when the record itself was an error (malformed line, missing field). */
  readonly outcome?: ClassifyOutcome;
}

export async function* classifyRecordsInOrder(
  engine: Classifier,
  records: AsyncIterable<RecordOutcome>,
  options: WindowOptions,
): AsyncGenerator<ClassifiedRecord> {
  const inFlight: Promise<ClassifiedRecord[]>[] = [];
  let window: RecordOutcome[] = [];
  const launch = (batch: RecordOutcome[]) => {
    const ok = batch.filter((r): r is InputRecord => !isRecordError(r));
    const pending = engine
      .classify(
        ok.map((r) => r.text),
        options.classify,
      )
      .then((outcomes) => {
        let k = 0;
        return batch.map((record) => (isRecordError(record) ? { record } : { record, outcome: outcomes[k++] }));
      });
    pending.catch(() => undefined); // surfaced when awaited in order below
    inFlight.push(pending);
  };
  for await (const record of records) {
    window.push(record);
    if (window.length >= options.windowSize) {
      launch(window);
      window = [];
      while (inFlight.length >= options.maxWindowsInFlight) yield* await (inFlight.shift() as Promise<ClassifiedRecord[]>);
    }
  }
  if (window.length > 0) launch(window);
  while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<ClassifiedRecord[]>);
}
