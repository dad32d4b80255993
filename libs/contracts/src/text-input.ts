// Validation of one input text, shared by every entry point (CLI, API, backfills) so the same
// bad input gets the same code everywhere.
import { isUtf8 } from 'node:buffer';
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
  if (typeof value !== 'string')
    throw new AppError('TEXT_NOT_STRING', `Text must be a string, got ${value === null ? 'null' : typeof value}`);
  // Invalid UTF-8 is found on the bytes (decodeUtf8Escaped turns its bytes into lone surrogates);
  // a U+FFFD in a text is a character like any other.
  if (hasLoneSurrogate(value)) throw new AppError('TEXT_INVALID_UTF8', 'Text is not valid UTF-8 (or holds an unpaired UTF-16 surrogate)');
  if (value.trim().length === 0) throw new AppError('TEXT_EMPTY');
  if (value.length <= policy.maxTextChars) return { text: value, truncated: false };
  if (policy.longTextPolicy === 'reject') {
    throw new AppError('TEXT_TOO_LONG', `Text has ${value.length} characters; the limit is ${policy.maxTextChars}`);
  }
  return { text: value.slice(0, policy.maxTextChars), truncated: true };
}

/** True when `s` holds an unpaired UTF-16 surrogate (invalid UTF-8 decoded by decodeUtf8Escaped, or a bad escape). */
export function hasLoneSurrogate(s: string): boolean {
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

/**
 * Decodes bytes as UTF-8 where each byte of an invalid sequence becomes the lone surrogate
 * U+DC80 + byte (Python's "surrogateescape"), instead of U+FFFD: checkText then rejects exactly the
 * texts that held invalid bytes as TEXT_INVALID_UTF8, and a genuine U+FFFD stays a character.
 */
export function decodeUtf8Escaped(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let from = 0;
  for (let bad = nextInvalidUtf8(buf, 0); bad !== undefined; bad = nextInvalidUtf8(buf, from)) {
    out += buf.toString('utf8', from, bad[0]);
    for (let i = bad[0]; i < bad[1]; i++) out += String.fromCharCode(0xdc00 + buf[i]);
    from = bad[1];
  }
  return out + buf.toString('utf8', from);
}

/**
 * The next ill-formed subsequence at or after `from`, as [start, end) (WHATWG/Unicode "maximal
 * subpart": the bytes that started a sequence that cannot complete), or undefined when the rest
 * is valid. A sequence cut off by the end of `bytes` counts as ill-formed.
 */
export function nextInvalidUtf8(bytes: Uint8Array, from: number): [number, number] | undefined {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return [i, i + 1];
    let j = i + 1;
    for (let k = 0; k < need; k++, j++) {
      const c = j < n ? bytes[j] : -1;
      const ok = k === 0 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
      if (!ok) return [i, j];
    }
    i = j;
  }
  return undefined;
}
