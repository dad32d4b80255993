import { describe, expect, it } from 'vitest';
import { AppError } from '@emo/contracts';
import { httpErrorSerializer, httpLogLevel } from './http-logging.module';

describe('HTTP request logging', () => {
  describe(httpLogLevel.name, () => {
    it('logs expected fault and load answers (503, 504) at warn, other 5xx and thrown errors at error', () => {
      expect(httpLogLevel(504, new AppError('DEADLINE_EXCEEDED'))).toBe('warn');
      expect(httpLogLevel(503, new AppError('QUEUE_UNAVAILABLE'))).toBe('warn');
      expect(httpLogLevel(500, undefined)).toBe('error');
      expect(httpLogLevel(200, new Error('boom'))).toBe('error');
      expect(httpLogLevel(429, undefined)).toBe('warn');
      expect(httpLogLevel(200, undefined)).toBe('info');
    });
  });

  describe(httpErrorSerializer.name, () => {
    it('logs a registry error by its code without a stack, and keeps the stack of an unexpected error', () => {
      expect(httpErrorSerializer(new AppError('DEADLINE_EXCEEDED', 'No answer within the deadline'))).toEqual({
        type: 'AppError',
        code: 'DEADLINE_EXCEEDED',
        message: 'No answer within the deadline',
      });
      expect(httpErrorSerializer(new TypeError('x is undefined'))).toMatchObject({
        type: 'TypeError',
        message: 'x is undefined',
        stack: expect.stringContaining('TypeError'),
      });
    });
  });
});
