// The access log of the real API (Nest + Fastify, the real Redis, a fake classifier behind the
// fleet): one line per answered request with its request id, status and error code; none for
// health scrapes; nothing at all for successes when LOG_LEVEL is warn. Lines come from the app's
// own logger (createApiApp's `logger`), as in production.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { logErrorSerializer } from '@emo/profiler';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { testAuth as auth, useApiTestHarness } from '../testing/api-test-harness';

const fake: Classifier = {
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' }));
  },
};

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  err?: { code?: string };
}

describe.skipIf(!inject('redisAvailable'))('the API access log', () => {
  const h = useApiTestHarness('access-log');
  const start = async (level: string) => {
    const lines: Line[] = [];
    const logger = pino({ level, serializers: { err: logErrorSerializer } }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    await h.start({}, { logger });
    h.startConsumer(fake, { interactive: 2, bulk: 2 });
    return { lines, access: () => lines.filter((l) => l.req !== undefined) };
  };

  it('writes one line per answered request (id, status, the error code of a refusal) and none for health scrapes', async () => {
    const { access } = await start('info');
    const ok = await h.request({
      method: 'POST',
      url: '/v1/classify',
      payload: { texts: ['hi'] },
      headers: { ...auth, 'x-request-id': 'req-ok-1' },
    });
    expect(ok.statusCode).toBe(200);
    const refused = await h.request({ method: 'POST', url: '/v1/classify', payload: { texts: [] }, headers: auth });
    expect(refused.statusCode).toBe(422);
    expect((await h.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(access().map((l) => [l.level, l.msg, l.req?.method, l.req?.url, l.res?.statusCode])).toEqual([
      [30, 'request completed', 'POST', '/v1/classify', 200],
      [40, 'request errored', 'POST', '/v1/classify', 422],
    ]);
    expect(access()[0].requestId).toBe('req-ok-1');
    expect(access()[1].err).toEqual({ type: 'AppError', code: refused.json().error.code, message: expect.any(String) });
  });

  it('builds no line for a success when the level is warn', async () => {
    const { access } = await start('warn');
    expect((await h.request({ method: 'POST', url: '/v1/classify', payload: { texts: ['hi'] }, headers: auth })).statusCode).toBe(200);
    expect((await h.request({ method: 'POST', url: '/v1/classify', payload: {}, headers: auth })).statusCode).toBe(422);
    expect(access().map((l) => l.res?.statusCode)).toEqual([422]);
  });
});
