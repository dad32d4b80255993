// Per-item TEXT_NOT_STRING on the JSON routes (README, "Bad input"): a text that is a number,
// null, an object, an array or a boolean is that item's error, in its place, while the other items
// are classified; only the request's shape (texts missing, not an array, too many) fails it whole.
// The classifier behind POST /v1/classify only ever receives strings: splitTexts takes the
// non-strings out, mergeOutcomes puts their errors back in input order.
import { AppError, checkText, type ClassifyOutcome, type ItemError } from '@emo/contracts';

export interface SplitTexts {
  /** The string texts, in input order (what goes to the classifier). */
  readonly texts: readonly string[];
  /** Input position → the error of a non-string text there. */
  readonly errors: ReadonlyMap<number, ItemError>;
  /** Items in the request (texts + errors). */
  readonly total: number;
}

/** No length limit: only the type of the value is checked here (lengths are the engine's or checkTextLengths'). */
const ANY_LENGTH = { maxTextChars: Number.POSITIVE_INFINITY, longTextPolicy: 'truncate' } as const;

/** The item error of a non-string text: checkText's, so the engine and the backfill chunker say the same. */
export function notStringError(value: unknown): ItemError {
  let err = new AppError('TEXT_NOT_STRING');
  try {
    checkText(value, ANY_LENGTH);
  } catch (e) {
    err = AppError.fromPlain(e);
  }
  return { error: { code: err.code, message: err.message } };
}

export function splitTexts(values: readonly unknown[]): SplitTexts {
  const texts: string[] = [];
  const errors = new Map<number, ItemError>();
  values.forEach((value, i) => {
    if (typeof value === 'string') texts.push(value);
    else errors.set(i, notStringError(value));
  });
  return { texts, errors, total: values.length };
}

/** The outcomes of `split.texts` with the non-strings' errors put back: one outcome per input item, in order. */
export function mergeOutcomes(split: SplitTexts, outcomes: readonly ClassifyOutcome[]): ClassifyOutcome[] {
  if (outcomes.length !== split.texts.length)
    throw new AppError('INTERNAL', `The classifier answered ${outcomes.length} outcomes for ${split.texts.length} texts`);
  const merged: ClassifyOutcome[] = [];
  let next = 0;
  for (let i = 0; i < split.total; i++) merged.push(split.errors.get(i) ?? outcomes[next++]);
  return merged;
}
