import { describe, expect, it } from 'vitest';
import { AppError } from '@emo/contracts';
import type { IncomingMessage } from 'node:http';
import { httpLogLevel, httpRequestSerializer, requestIdOf } from './http-logging';

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

  describe(requestIdOf.name, () => {
    const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;
    it("keeps the caller's printable id of at most 128 characters, and decides once per request", () => {
      expect(requestIdOf(req('req 42/abc+def='))).toBe('req 42/abc+def=');
      expect(requestIdOf(req('x'.repeat(128)))).toBe('x'.repeat(128));
      const sut = req();
      expect(requestIdOf(sut)).toMatch(/^[0-9a-f-]{36}$/);
      expect(requestIdOf(sut)).toBe(requestIdOf(sut));
    });

    it('replaces an id that is too long or not printable ASCII', () => {
      for (const bad of ['x'.repeat(129), 'a\tb', 'caf\u00e9', '']) expect(requestIdOf(req(bad)), bad).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe(httpRequestSerializer.name, () => {
    it('logs the URL with the value of a key-like query parameter redacted', () => {
      expect(httpRequestSerializer({ id: 'r1', method: 'GET', url: '/v1/jobs/j?api_key=s3cr3t&offset=2' })).toEqual({
        id: 'r1',
        method: 'GET',
        url: '/v1/jobs/j?api_key=[REDACTED]&offset=2',
      });
    });
  });
});
