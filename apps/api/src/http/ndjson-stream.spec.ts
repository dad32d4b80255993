import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { NDJSON_BATCH_LINES, ndjsonBatches, ndjsonStream, sendNdjson } from './ndjson-stream';

const line = (i: number) => JSON.stringify({ i });

/** Lines 0..n-1, a pause of one event-loop turn every 64 (as Redis reads would); fails at line `failAt`; counts the lines handed out. */
function source(n: number, failAt = -1) {
  const counter = { pulled: 0 };
  async function* lines() {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error('redis went away');
      if (i % 64 === 0) await nextTurn();
      counter.pulled++;
      yield line(i);
    }
  }
  return { lines: lines(), counter };
}

async function collect(iterable: AsyncIterable<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of iterable) out.push(chunk.toString());
  return out;
}

describe('ndjsonBatches', () => {
  it('keeps the order of the lines, one newline each, in batches of NDJSON_BATCH_LINES', async () => {
    const batches = await collect(ndjsonBatches(source(600).lines));
    expect(batches.map((b) => b.split('\n').length - 1)).toEqual([256, 256, 88]);
    expect(batches.join('')).toBe(Array.from({ length: 600 }, (_, i) => `${line(i)}\n`).join(''));
  });

  it('yields nothing for no lines', async () => {
    expect(await collect(ndjsonBatches(source(0).lines))).toEqual([]);
  });
});

describe('ndjsonStream', () => {
  it('reads the source no further while the reader does not take what was written', async () => {
    const { lines, counter } = source(Number.MAX_SAFE_INTEGER);
    let release!: () => void;
    let firstWrite!: () => void;
    const wrote = new Promise<void>((r) => (firstWrite = r));
    const stalled = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, done) {
        firstWrite();
        release = done; // the client reads nothing until released
      },
    });
    const stream = ndjsonStream(lines);
    stream.pipe(stalled);
    await wrote;
    // A source read regardless of the reader would hand out 64 lines per turn: 3,200 in these turns.
    for (let turn = 0; turn < 50; turn++) await nextTurn();
    // The batch being written, the one buffered by the stream, and the one being filled at most.
    const bound = 3 * NDJSON_BATCH_LINES;
    expect(counter.pulled).toBeLessThanOrEqual(bound);
    const before = counter.pulled;
    release();
    await expect.poll(() => counter.pulled).toBeGreaterThan(before);
    stream.destroy();
  });

  it('emits the finished batches and then fails with the source error, without the unfinished batch', async () => {
    const stream = ndjsonStream(source(1000, 300).lines);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(String(chunk));
      })(),
    ).rejects.toThrow('redis went away');
    expect(seen.join('').split('\n').filter(Boolean)).toEqual(Array.from({ length: 256 }, (_, i) => line(i)));
  });
});

describe('sendNdjson', () => {
  const serve = (lines: () => AsyncIterable<string>) => {
    const app = Fastify();
    app.get('/lines', async (_req, reply) => sendNdjson(reply, lines(), { 'x-results-complete': 'true', 'x-total-count': 600 }));
    return app;
  };

  it('answers the NDJSON content type and the given headers, with every line in order', async () => {
    const app = serve(() => source(600).lines);
    const res = await app.inject({ method: 'GET', url: '/lines' });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/x-ndjson; charset=utf-8',
      'x-results-complete': 'true',
      'x-total-count': '600',
    });
    expect(res.body).toBe(Array.from({ length: 600 }, (_, i) => `${line(i)}\n`).join(''));
    await app.close();
  });

  it('cuts the response (no clean end) when the source fails after the first batch went out', async () => {
    const app = serve(() => source(1000, 300).lines);
    await expect(app.inject({ method: 'GET', url: '/lines' })).rejects.toThrow(/destroyed/);
    await app.close();
  });

  it('answers the error itself when the source fails before the first batch went out', async () => {
    const app = serve(() => source(1000, 10).lines);
    const res = await app.inject({ method: 'GET', url: '/lines' });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toBe('redis went away');
    await app.close();
  });
});
