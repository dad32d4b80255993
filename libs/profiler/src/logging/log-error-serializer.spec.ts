import { Writable } from 'node:stream';
import { AppError } from '@emo/contracts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logErrorSerializer } from './log-error-serializer';

describe(logErrorSerializer.name, () => {
  it('logs a registry error by its code without a stack, and keeps the stack of an unexpected error', () => {
    expect(logErrorSerializer(new AppError('DEADLINE_EXCEEDED', 'No answer within the deadline'))).toEqual({
      type: 'AppError',
      code: 'DEADLINE_EXCEEDED',
      message: 'No answer within the deadline',
    });
    expect(logErrorSerializer(new TypeError('x is undefined'))).toMatchObject({
      type: 'TypeError',
      message: 'x is undefined',
      stack: expect.stringContaining('TypeError'),
    });
    expect(logErrorSerializer('a string')).toBe('a string');
  });

  it('is what a pino logger with it writes under `err`', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    pino({ serializers: { err: logErrorSerializer } }, sink).warn({ err: new AppError('QUEUE_UNAVAILABLE') }, 'x');
    expect(JSON.parse(lines[0]).err).toEqual({ type: 'AppError', code: 'QUEUE_UNAVAILABLE', message: expect.any(String) });
  });
});
