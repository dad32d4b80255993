// Validation of one input text, shared by every entry point (CLI, API, backfills) so the same
// bad input gets the same code everywhere.
import { AppError } from './app-error';

export interface TextPolicy {
  /** Texts longer than this many characters are rejected or truncated. */
  readonly maxTextChars: number;
  readonly longTextPolicy: 'truncate' | 'reject';
}

export interface CheckedText {
  readonly text: string;
  /** True when the text was cut to maxTextChars before tokenization. */
  readonly truncated: boolean;
}

/** Throws AppError(TEXT_*) for values that cannot be classified; truncates very long texts per policy. */
export function checkText(value: unknown, policy: TextPolicy): CheckedText {
  if (typeof value !== 'string') throw new AppError('TEXT_NOT_STRING', `Text must be a string, got ${value === null ? 'null' : typeof value}`);
  if (value.includes('\uFFFD')) throw new AppError('TEXT_INVALID_UTF8', 'Text contains invalid UTF-8 (replacement character U+FFFD)');
  if (hasLoneSurrogate(value)) throw new AppError('TEXT_INVALID_UTF8', 'Text contains an unpaired UTF-16 surrogate');
  if (value.trim().length === 0) throw new AppError('TEXT_EMPTY');
  if (value.length <= policy.maxTextChars) return { text: value, truncated: false };
  if (policy.longTextPolicy === 'reject') {
    throw new AppError('TEXT_TOO_LONG', `Text has ${value.length} characters; the limit is ${policy.maxTextChars}`);
  }
  return { text: value.slice(0, policy.maxTextChars), truncated: true };
}

function hasLoneSurrogate(s: string): boolean {
  // String.prototype.isWellFormed exists from Node 20.
  return !(s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Decodes bytes as UTF-8, failing (instead of substituting U+FFFD) on invalid sequences. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('TEXT_INVALID_UTF8', 'Input is not valid UTF-8');
  }
}
