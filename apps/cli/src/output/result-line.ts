// One output line of a backfill: passthrough fields, then the result (or the error) of the text.
import type { ClassifiedRecord } from '@emo/inference';
import { DEFAULT_ID_FIELD, isRecordError, isItemError } from '@emo/contracts';

const RESERVED = new Set(['line', 'id', 'labels', 'scores', 'model', 'truncated', 'error']);

export type OutputLine = Record<string, unknown> & { line: number };

/** `idField`: the input field already reported as `id` (default `id`), so not repeated among the passthrough fields. */
export function toOutputLine(item: ClassifiedRecord, _modelId: string, idField = DEFAULT_ID_FIELD): OutputLine {
  const { record, outcome } = item;
  if (isRecordError(record)) return { line: record.line, ...(record.id === undefined ? {} : { id: record.id }), error: record.error };
  const passthrough: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record.fields)) if (k !== idField) passthrough[RESERVED.has(k) ? `input_${k}` : k] = v;
  const head = { line: record.line, ...(record.id === undefined ? {} : { id: record.id }) };
  if (!outcome || isItemError(outcome)) return { ...head, error: outcome?.error ?? { code: 'INTERNAL', message: 'no outcome' } };
  return { ...head, ...passthrough, ...outcome };
}
