import { Writable } from 'node:stream';
import { AppError } from '@emo/contracts';
import Fastify from 'fastify';
import { logErrorSerializer } from '@emo/profiler';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { noteAnswerError, registerAccessLog } from './access-log';

/** A Fastify app with the access log on a real pino logger at `level`, and the lines it wrote. */
async function appWithAccessLog(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ genReqId: () => 'req-1' });
  registerAccessLog(app, pino({ level, serializers: { err: logErrorSerializer } }, sink));
  app.get('/v1/ok', async () => ({ ok: true }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/v1/slow', async (request, reply) => {
    noteAnswerError(request, new AppError('DEADLINE_EXCEEDED'));
    return reply.code(504).send({});
  });
  app.get('/v1/bug', async (request, reply) => {
    noteAnswerError(request, new TypeError('x is undefined'));
    return reply.code(500).send({});
  });
  app.get('/v1/refused', async (request, reply) => {
    noteAnswerError(request, new AppError('RATE_LIMITED'));
    return reply.code(429).send({});
  });
  await app.ready();
  return { app, lines };
}

describe('registerAccessLog', () => {
  it('writes one info line per answered request: id, method, URL with key-like parameters redacted, status, time', async () => {
    const { app, lines } = await appWithAccessLog('info');
    await app.inject({ method: 'GET', url: '/v1/ok?api_key=s3cr3t&x=1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      requestId: 'req-1',
      req: { id: 'req-1', method: 'GET', url: '/v1/ok?api_key=[REDACTED]&x=1' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
    await app.close();
  });

  it('logs no scrape of health or metrics', async () => {
    const { app, lines } = await appWithAccessLog('info');
    await app.inject({ method: 'GET', url: '/healthz' });
    expect(lines).toEqual([]);
    await app.close();
  });

  it('logs the error an answer carries: a registry error by its code at its level, an unexpected one with its stack', async () => {
    const { app, lines } = await appWithAccessLog('info');
    await app.inject({ method: 'GET', url: '/v1/slow' });
    await app.inject({ method: 'GET', url: '/v1/refused' });
    await app.inject({ method: 'GET', url: '/v1/bug' });
    expect(lines.map((l) => [l.level, l.msg, (l.res as { statusCode: number }).statusCode])).toEqual([
      [40, 'request errored', 504],
      [40, 'request errored', 429],
      [50, 'request errored', 500],
    ]);
    expect(lines[0].err).toEqual({ type: 'AppError', code: 'DEADLINE_EXCEEDED', message: expect.any(String) });
    expect(lines[2].err).toMatchObject({ type: 'TypeError', message: 'x is undefined', stack: expect.stringContaining('TypeError') });
    await app.close();
  });

  it('writes nothing for answers below the logger level (LOG_LEVEL=warn: successes cost no line)', async () => {
    const { app, lines } = await appWithAccessLog('warn');
    await app.inject({ method: 'GET', url: '/v1/ok' });
    await app.inject({ method: 'GET', url: '/v1/refused' });
    expect(lines.map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([429]);
    await app.close();
  });
});
