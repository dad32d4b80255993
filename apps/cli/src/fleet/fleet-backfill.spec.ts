// `emo backfill --fleet` against a fake fleet API on a local port: the upload cut off and sent again
// under the same id, a resumed backfill, result lines read back in order and split into results and
// errors, and a results stream cut off and read on from the last line written.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { jsonLines, runCliCaptured } from '../testing/run-cli-captured';
import { defaultBackfillId, fleetProgress, runFleetBackfill } from './fleet-backfill';

const dir = mkdtempSync(join(tmpdir(), 'emo-fleet-backfill-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = join(dir, 'chat.ndjson');
const TEXTS = ['hello', 'so bad', '{broken', 'thanks', 'great', 'meh'];
writeFileSync(input, `${TEXTS.map((t, i) => (t.startsWith('{') ? t : JSON.stringify({ id: `m${i + 1}`, text: t }))).join('\n')}\n`);
/** The fleet's answer for each input line, in order. */
const RESULT_LINES = TEXTS.map((t, i) =>
  JSON.stringify(
    t.startsWith('{')
      ? { line: i + 1, error: { code: 'LINE_MALFORMED', message: 'invalid JSON' } }
      : { line: i + 1, id: `m${i + 1}`, labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' },
  ),
);

interface FakeFleetOptions {
  /** Uploads answered by cutting the connection before the answer. */
  cutUploads?: number;
  /** Result reads cut off after this many lines (once). */
  cutResultsAfter?: number;
  created?: boolean;
}

interface FakeFleet {
  url: string;
  uploads: { id: string; query: URLSearchParams; auth?: string; lines: number }[];
  resultOffsets: number[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function fakeFleet(opts: FakeFleetOptions = {}): Promise<FakeFleet> {
  const fleet: FakeFleet = { url: '', uploads: [], resultOffsets: [] };
  let cutUploads = opts.cutUploads ?? 0;
  let cutResults = opts.cutResultsAfter;
  const status = (id: string, state: string) => ({
    backfill_id: id,
    state,
    upload: { lines: TEXTS.length, complete: true, attempts: fleet.uploads.length },
    total: TEXTS.length,
    done: state === 'completed' ? TEXTS.length : 0,
    failed: 1,
    rate_texts_per_s: 10,
    eta_s: null,
  });
  const json = (res: ServerResponse, code: number, body: unknown) =>
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , , id, tail] = url.pathname.split('/');
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = url.searchParams.get('id') as string;
        fleet.uploads.push({
          id,
          query: url.searchParams,
          auth: req.headers.authorization,
          lines: body.split('\n').filter(Boolean).length,
        });
        if (cutUploads-- > 0) return req.socket.destroy();
        json(res, 202, { ...status(id, 'running'), created: opts.created ?? true, skipped_chunks: 1, queued_chunks: 1 });
      });
      return;
    }
    if (tail === 'results') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      fleet.resultOffsets.push(offset);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const lines = RESULT_LINES.slice(offset);
      if (cutResults !== undefined) {
        const n = cutResults;
        cutResults = undefined;
        // Lines, then half of the next one, then the connection closes mid-response (an API restart
        // mid-stream). end(), not destroy(): the client reads everything sent before it sees the cut.
        res.write(
          lines
            .slice(0, n)
            .map((l) => `${l}\n`)
            .join('') + lines[n].slice(0, 10),
        );
        req.socket.end();
        return;
      }
      res.end(lines.map((l) => `${l}\n`).join(''));
      return;
    }
    json(res, 200, status(id, 'completed'));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fleet.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fleet;
}

const collect = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

async function run(fleet: FakeFleet, extra: Partial<Parameters<typeof runFleetBackfill>[0]> = {}) {
  const out = collect();
  const errOut = collect();
  const logs: string[] = [];
  const summary = await runFleetBackfill({
    url: fleet.url,
    apiKey: 'key-12345678',
    inPath: input,
    query: { format: 'ndjson', textField: 'text', idField: 'id' },
    out: out.stream,
    errOut: errOut.stream,
    progress: false,
    log: (m) => logs.push(m),
    pollMs: 5,
    ...extra,
  });
  return { summary, out: jsonLines(out.text()), errors: jsonLines(errOut.text()), logs };
}

describe(runFleetBackfill.name, () => {
  it('uploads the file with its mapping and key, then writes every line once: results and errors apart', async () => {
    const fleet = await fakeFleet();
    const sut = await run(fleet);
    expect(fleet.uploads).toHaveLength(1);
    expect(fleet.uploads[0]).toMatchObject({
      id: defaultBackfillId(input, { format: 'ndjson', textField: 'text', idField: 'id' }),
      auth: 'Bearer key-12345678',
      lines: TEXTS.length,
    });
    expect(Object.fromEntries(fleet.uploads[0].query)).toMatchObject({ format: 'ndjson', text_field: 'text', id_field: 'id' });
    expect(sut.out.map((l) => l.line)).toEqual([1, 2, 4, 5, 6]);
    expect(sut.errors).toEqual([{ line: 3, error: { code: 'LINE_MALFORMED', message: 'invalid JSON' } }]);
    expect(sut.summary.report()).toMatchObject({ texts: 6, ok: 5, errors: 1, error_codes: { LINE_MALFORMED: 1 } });
  });

  it('sends a coarse taxonomy as the taxonomy query parameter, under another derived id than the fine run', async () => {
    const fleet = await fakeFleet();
    const query = { format: 'ndjson', textField: 'text', idField: 'id', taxonomy: 'ekman' };
    await run(fleet, { query });
    expect(Object.fromEntries(fleet.uploads[0].query)).toMatchObject({ taxonomy: 'ekman' });
    expect(fleet.uploads[0].id).toBe(defaultBackfillId(input, query));
    expect(fleet.uploads[0].id).not.toBe(defaultBackfillId(input, { format: 'ndjson', textField: 'text', idField: 'id' }));
  });

  it('sends the file again under the same id when the upload is cut off', async () => {
    const fleet = await fakeFleet({ cutUploads: 1 });
    const sut = await run(fleet, { backfillId: 'support-2023' });
    expect(fleet.uploads.map((u) => [u.id, u.lines])).toEqual([
      ['support-2023', TEXTS.length],
      ['support-2023', TEXTS.length],
    ]);
    expect(
      sut.logs.some((l) =>
        /upload interrupted \(QUEUE_UNAVAILABLE: .*\); resuming backfill support-2023 in \d+ ms \(attempt 2\/6\)/.test(l),
      ),
    ).toBe(true);
    expect(sut.out).toHaveLength(5);
  });

  it('says so when the fleet resumes a backfill it already had', async () => {
    const fleet = await fakeFleet({ created: false });
    const sut = await run(fleet, { backfillId: 'again' });
    expect(sut.logs).toContain('resumed backfill again: 1 chunks were already done, 1 queued');
  });

  it('reads on from the last whole line written when the results stream is cut off', async () => {
    const fleet = await fakeFleet({ cutResultsAfter: 2 });
    const sut = await run(fleet);
    expect(fleet.resultOffsets).toEqual([0, 2]);
    expect([...sut.out, ...sut.errors].map((l) => l.line).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sut.logs).toContain('reading results interrupted (QUEUE_UNAVAILABLE); continuing from line 3');
  });

  it('gives up after the given attempts with the error code of the last one', async () => {
    const fleet = await fakeFleet({ cutUploads: 2 });
    await expect(run(fleet, { attempts: 2 })).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });
});

describe(`${runFleetBackfill.name} and API keys`, () => {
  it.each([
    [undefined, 401, 'UNAUTHORIZED', /answered 401: the API wants a key; pass --api-key or set EMO_API_KEY$/],
    ['key-wrong-0000', 403, 'FORBIDDEN', /answered 403: the API key was refused/],
  ])('key %s answered %i: %s, not retried, the key never repeated', async (apiKey, status, code, message) => {
    const seen: { method?: string; auth?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, auth: req.headers.authorization });
      req.resume();
      req.on('end', () =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: 'no' } })),
      );
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const err = await run({ url, uploads: [], resultOffsets: [] }, { apiKey }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(String((err as Error).message)).not.toContain('key-wrong');
    // One upload (not retried); the status polls beside it carry the same header.
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(new Set(seen.map((r) => r.auth))).toEqual(new Set([apiKey === undefined ? undefined : `Bearer ${apiKey}`]));
  });
});

describe(fleetProgress.name, () => {
  const status = (done: number, total: number | null) =>
    ({
      backfill_id: 'b',
      state: 'running',
      upload: { lines: 300, complete: total !== null, attempts: 1 },
      total,
      done,
      failed: 0,
      rate_texts_per_s: 120,
      eta_s: null,
    }) as const;

  it("counts the fleet's finished lines out of the file's lines counted locally while the upload goes on", () => {
    // The upload has sent 300 of 20 000 lines, 256 are done: 1 %, not a share of an estimate from bytes.
    expect(fleetProgress(status(256, null), 20_000)).toEqual({ done: 256, total: 20_000, textsPerSecond: 120, state: 'running' });
  });

  it("takes the fleet's total once the upload is complete, and has no total before either is known (stdin)", () => {
    expect(fleetProgress(status(300, 20_000), undefined)).toMatchObject({ done: 300, total: 20_000 });
    expect(fleetProgress(status(300, null), undefined)).toMatchObject({ done: 300, total: undefined });
  });
});

describe(defaultBackfillId.name, () => {
  it('is the same for the same file and mapping, and differs for another mapping', () => {
    const query = { format: 'ndjson', textField: 'text' };
    expect(defaultBackfillId(input, query)).toBe(defaultBackfillId(input, { ...query }));
    expect(defaultBackfillId(input, query)).toMatch(/^f[0-9a-f]{20}$/);
    expect(defaultBackfillId(input, { ...query, textField: 'body' })).not.toBe(defaultBackfillId(input, query));
  });
});

describe('emo backfill --fleet', () => {
  it('prints the id that resumes it, and writes results and errors files', async () => {
    const fleet = await fakeFleet();
    const out = join(dir, 'fleet-out.ndjson');
    const sut = await runCliCaptured([
      'backfill',
      input,
      '--fleet',
      fleet.url,
      '--api-key',
      'key-12345678',
      '--backfill-id',
      'cli-run',
      '--out',
      out,
      '--json',
      '--no-progress',
    ]);
    expect(sut.code).toBe(0);
    expect(sut.stderr).toContain('backfill cli-run → ');
    expect(sut.stderr).toContain('--backfill-id cli-run resumes it');
    expect(jsonLines(readFileSync(out, 'utf8')).map((l) => l.line)).toEqual([1, 2, 4, 5, 6]);
    expect(jsonLines(readFileSync(`${out}.errors.ndjson`, 'utf8')).map((l) => l.line)).toEqual([3]);
    expect(JSON.parse(sut.stdout)).toMatchObject({ texts: 6, ok: 5, errors: 1 });
  });

  it('passes --taxonomy on to the fleet (a coarse one only), and refuses an unknown one before uploading', async () => {
    const fleet = await fakeFleet();
    const args = [
      'backfill',
      input,
      '--fleet',
      fleet.url,
      '--api-key',
      'key-12345678',
      '--out',
      join(dir, 'tax-out.ndjson'),
      '--no-progress',
    ];
    expect((await runCliCaptured([...args, '--taxonomy', 'sentiment'])).code).toBe(0);
    expect((await runCliCaptured([...args, '--taxonomy', 'goemotions'])).code).toBe(0);
    expect(fleet.uploads.map((u) => Object.fromEntries(u.query).taxonomy)).toEqual(['sentiment', undefined]);
    const bad = await runCliCaptured([...args, '--taxonomy', 'plutchik']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('TAXONOMY_UNKNOWN');
    expect(fleet.uploads).toHaveLength(2);
  });
});
