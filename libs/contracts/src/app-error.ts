// AppError: what libs throw. It names a registry code; the API maps it to HTTP in one filter,
// the worker maps non-retryable codes to BullMQ's UnrecoverableError, the CLI prints one line.
import { ERROR_CODES, type ErrorCode, isErrorCode } from './error-codes';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code].message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }

  /** Rebuilds an AppError from a plain object that crossed a thread or process boundary. */
  static fromPlain(value: unknown): AppError {
    if (value instanceof AppError) return value;
    const v = value as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (v && isErrorCode(v.code)) return new AppError(v.code, typeof v.message === 'string' ? v.message : undefined, v.details);
    const message = value instanceof Error ? value.message : String(value);
    return new AppError('INTERNAL', message, undefined, { cause: value });
  }
}
