import { describe, expect, it } from 'vitest';
import { AppError } from './app-error';
import { ERROR_CODES, isErrorCode } from './error-codes';

describe('ERROR_CODES', () => {
  it('marks an unexpected error (INTERNAL) as not retryable: the same input would fail the same way', () => {
    expect(ERROR_CODES.INTERNAL.retryable).toBe(false);
    const sut = AppError.fromPlain(new TypeError('x is undefined'));
    expect(sut.code).toBe('INTERNAL');
    expect(sut.retryable).toBe(false);
  });

  it('marks only transient conditions retryable (overload, outages, deadlines, resources, failed chunks)', () => {
    const retryable = Object.entries(ERROR_CODES)
      .filter(([, spec]) => spec.retryable)
      .map(([code]) => code)
      .sort();
    expect(retryable).toEqual(
      [
        'CACHE_UNAVAILABLE',
        'CHUNK_FAILED',
        'DEADLINE_EXCEEDED',
        'ENGINE_CLOSED',
        'INFERENCE_FAILED',
        'OUT_OF_MEMORY',
        'OVERLOADED',
        'PROVIDER_UNAVAILABLE',
        'QUEUE_UNAVAILABLE',
        'RATE_LIMITED',
        'TENANT_BACKLOG_FULL',
      ].sort(),
    );
  });

  it('recognises registry codes only', () => {
    expect(isErrorCode('JOB_NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
