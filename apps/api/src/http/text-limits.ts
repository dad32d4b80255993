// Request-level text limits shared by /v1/classify and /v1/jobs: too many texts → 422
// TOO_MANY_TEXTS; with LONG_TEXT_POLICY=reject a text over MAX_TEXT_CHARS → 422 TEXT_TOO_LONG
// (with truncate, the engine truncates and flags the result `truncated`). Non-strings are skipped
// here (they are their own items' TEXT_NOT_STRING, text-items.ts); the index is the item's position.
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';

export function checkCount(count: number, max: number, what: string): void {
  if (count > max) throw new AppError('TOO_MANY_TEXTS', `${count} ${what} in one request; the limit is ${max}`, { limit: max });
}

/** Counts `field` of the raw body before schema validation, so an oversize list fails with its own code. */
export function rawLength(body: unknown, field: string): number {
  const value = (body as Record<string, unknown> | null)?.[field];
  return Array.isArray(value) ? value.length : 0;
}

export function checkTextLengths(texts: readonly unknown[], config: Pick<AppConfig, 'engine'>): void {
  if (config.engine.longTextPolicy !== 'reject') return;
  const index = texts.findIndex((t) => typeof t === 'string' && t.length > config.engine.maxTextChars);
  if (index >= 0) {
    throw new AppError(
      'TEXT_TOO_LONG',
      `Text ${index} has ${(texts[index] as string).length} characters; the limit is ${config.engine.maxTextChars}`,
      {
        index,
        limit: config.engine.maxTextChars,
      },
    );
  }
}
