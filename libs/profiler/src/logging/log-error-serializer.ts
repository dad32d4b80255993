// How every log line writes its `err`: a registry error (AppError) by its code, without a stack,
// since the code says what happened and most are expected outcomes under faults and load (a 504
// DEADLINE_EXCEEDED, a 503 QUEUE_UNAVAILABLE); anything else as pino writes errors, with its stack.
import { AppError } from '@emo/contracts';
import { stdSerializers } from 'pino';

export function logErrorSerializer(err: unknown): unknown {
  if (err instanceof AppError) return { type: 'AppError', code: err.code, message: err.message };
  return err instanceof Error ? stdSerializers.err(err) : err;
}
