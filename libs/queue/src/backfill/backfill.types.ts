// Shapes of a streamed backfill: how input records map onto texts and output fields, the compact
// per-line input entries the API keeps for each chunk, and the status a client polls.
import type { ErrorCode, InputFormat, Taxonomy } from '@emo/contracts';

export interface BackfillMapping {
  readonly format: InputFormat;
  /** Field or column holding the text. */
  readonly textField: string;
  /** Field or column holding the message id (echoed as `id`; not repeated among the passthrough fields). Default: `id`. */
  readonly idField?: string;
  /** Fields copied to each result line; absent: every field except the text (and id) field. */
  readonly passthrough?: readonly string[];
  /** Column names for CSV/TSV without a header row. */
  readonly columns?: readonly string[];
  readonly includeScores?: boolean;
  /** The view results are in (absent: goemotions, the model's own labels). */
  readonly taxonomy?: Taxonomy;
}

export interface ItemErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * One input line as kept for the results: [line number, id or null, passthrough fields as a JSON
 * object body without braces ('' when none), error or null]. Lines with an error never reach a worker.
 */
export type InputEntry = readonly [line: number, id: string | null, passthrough: string, error: ItemErrorBody | null];

/** The stored value of one chunk's inputs: a digest of its content (texts included) and its entries. */
export interface ChunkInputs {
  readonly digest: string;
  readonly entries: readonly InputEntry[];
}

export type BackfillState = 'uploading' | 'queued' | 'running' | 'completed' | 'cancelling' | 'cancelled';

export interface BackfillStatus {
  readonly backfill_id: string;
  readonly state: BackfillState;
  /** Lines received so far by the latest upload, whether the upload finished, and how many uploads (resumes) there were. */
  readonly upload: { readonly lines: number; readonly complete: boolean; readonly attempts: number };
  /** Input lines; null until the upload is complete. */
  readonly total: number | null;
  /** Lines with a result line (classified, failed or rejected at input). */
  readonly done: number;
  readonly succeeded: number;
  /** Lines whose result is an error (bad input line or text, or a failed chunk). */
  readonly failed: number;
  readonly chunks: { readonly total: number | null; readonly done: number; readonly size: number };
  /** Texts classified per second since the first chunk started. */
  readonly rate_texts_per_s: number;
  /** Seconds left at the current rate; null while unknown (upload running, or nothing done yet). */
  readonly eta_s: number | null;
  readonly model?: string;
  readonly created_at: string;
  readonly started_at?: string;
  readonly finished_at?: string;
}
