// Spec of BackfillsService on fakes (over 300 lines: one describe per route's rules: upload,
// status, results, errors, roll-ups, events, cancel, tenants).
import { Readable } from 'node:stream';
import { AppError, type Priority, type RecordOutcome, type Tenant } from '@emo/contracts';
import { checkBackfillId, checkRollupField, type BackfillMapping, type JobRecord, type OutputLine, type RollupRow } from '@emo/queue';
import { describe, expect, it } from 'vitest';
import { BackfillsService, type BackfillEvent, type BackfillsPorts } from './backfills.service';

const T0 = 1_700_000_000_000;
const tenantNamed = (id: string): Tenant => ({
  id,
  scopes: new Set(['backfills']),
  limits: { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 },
});
const TENANT = tenantNamed('acme');
const OTHER = tenantNamed('globex');
/** Where the fake keeps a tenant's backfill: by its id for TENANT, so the tests below set records by id. */
const slot = (tenant: string, id: string) => (tenant === TENANT.id ? id : `${tenant}/${id}`);
const mapping: BackfillMapping = { format: 'ndjson', textField: 'text', idField: 'id' };

function backfillRecord(id: string, over: Partial<JobRecord> = {}): JobRecord {
  const base = {
    id: `bf-${id}`,
    kind: 'backfill',
    tenant: TENANT.id,
    priority: 'bulk',
    backfillId: id,
    chunkSize: 2,
    createdAt: T0,
    chunksDone: 0,
  } as const;
  const counts = {
    done: 0,
    failed: 0,
    cancelled: 0,
    includeScores: false,
    enqueued: true,
    uploads: 1,
    uploadedLines: 0,
    ingestErrors: 0,
    uploadComplete: false,
  };
  return { ...base, ...counts, ...over };
}
const sealed = (id: string, lines: number, over: Partial<JobRecord> = {}) =>
  backfillRecord(id, {
    total: lines,
    chunks: Math.ceil(lines / 2),
    uploadedLines: lines,
    uploadComplete: true,
    sealedAt: T0 + 10,
    inputErrors: 0,
    ...over,
  });
const finished = (id: string, lines: number) =>
  sealed(id, lines, { startedAt: T0 + 20, finishedAt: T0 + 30, done: lines, chunksDone: Math.ceil(lines / 2) });

const outputLine = (n: number, error = false): OutputLine => ({
  json: error ? `{"line":${n},"error":{"code":"TEXT_EMPTY","message":"empty"}}` : `{"line":${n},"labels":[],"model":"fake@1"}`,
  error,
  entry: [n, null, '', error ? { code: 'TEXT_EMPTY', message: 'empty' } : null] as unknown as OutputLine['entry'],
  result: '',
});

/**
 * Backfills in memory: `records` by id (a lookup reads the record at that moment), output lines per
 * id, roll-up rows per id; the ingestor reads every record it is given and seals the backfill.
 */
function fakePorts() {
  const records = new Map<string, JobRecord>();
  const lines = new Map<string, OutputLine[]>();
  const rollups = new Map<string, RollupRow[]>();
  const lookups: string[] = [];
  const ingested: { tenant: string; id: string; mapping: BackfillMapping; records: RecordOutcome[]; complete: boolean }[] = [];
  const notFound = (id: string) => new AppError('BACKFILL_NOT_FOUND', `Backfill ${id} not found (or expired)`);
  const ports: BackfillsPorts = {
    store: {
      async record(tenant, id) {
        lookups.push(id);
        return records.get(slot(tenant, id));
      },
      async requireRecord(tenant, id) {
        lookups.push(id);
        const record = records.get(slot(tenant, checkBackfillId(id)));
        if (!record) throw notFound(id);
        return record;
      },
    },
    reader: {
      async *lines(record, offset = 0) {
        yield* (lines.get(record.backfillId as string) ?? []).slice(offset);
      },
      async *errors(record) {
        for (const line of lines.get(record.backfillId as string) ?? []) if (line.error) yield line;
      },
      async rollup(record, by) {
        checkRollupField(by);
        return rollups.get(record.backfillId as string) ?? [];
      },
    },
    ingestor: {
      async ingest(tenant, id, m, input, complete = () => true) {
        const read: RecordOutcome[] = [];
        for await (const r of input) read.push(r);
        const created = !records.has(slot(tenant, id));
        ingested.push({ tenant, id, mapping: m, records: read, complete: complete() });
        records.set(slot(tenant, id), sealed(id, read.length, { tenant, uploads: created ? 1 : 2 }));
        return {
          backfillId: id,
          created,
          lines: read.length,
          chunks: Math.ceil(read.length / 2),
          inputErrors: 0,
          queued: created ? Math.ceil(read.length / 2) : 0,
          skipped: created ? 0 : Math.ceil(read.length / 2),
        };
      },
    },
    maxLineBytes: 1024,
  };
  return { ports, records, lines, rollups, lookups, ingested };
}

function setup() {
  const fakes = fakePorts();
  const asked: Priority[] = [];
  const gate = {
    refuse: false,
    async admit(priority: Priority) {
      asked.push(priority);
      if (gate.refuse) throw new AppError('OVERLOADED', `The ${priority} queue is full; retry in 3 s`, { retry_after_s: 3 });
    },
  };
  return { sut: new BackfillsService(fakes.ports, gate), gate, asked, ...fakes };
}

const ndjsonBody = (rows: object[]) => Readable.from(rows.map((r) => Buffer.from(`${JSON.stringify(r)}\n`)));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe(BackfillsService.name, () => {
  describe('upload', () => {
    it("hands the ingestor the tenant's quota gate (rate and backlog share pace the upload)", async () => {
      const fakes = fakePorts();
      const gate = { beforeChunks: async () => undefined };
      const passed: unknown[] = [];
      const ingest = fakes.ports.ingestor.ingest.bind(fakes.ports.ingestor);
      const ports: BackfillsPorts = {
        ...fakes.ports,
        ingestor: {
          ingest: (...args: Parameters<typeof ingest>) => {
            passed.push([args[0], args[6]]);
            return ingest(...args);
          },
        },
      };
      const asked: string[] = [];
      const sut = new BackfillsService(
        ports,
        { admit: async () => undefined },
        {
          backfillGate: (t) => {
            asked.push(t.id);
            return gate;
          },
        },
      );
      await sut.upload(TENANT, { id: 'q1', mapping, body: ndjsonBody([{ id: 'm1', text: 'a' }]) });
      expect(asked).toEqual([TENANT.id]);
      expect(passed).toEqual([[TENANT.id, gate]]);
    });

    it('admits on the bulk queue, ingests the records of the body, and answers the status of the sealed backfill', async () => {
      const { sut, asked, ingested } = setup();
      const body = ndjsonBody([
        { id: 'm1', text: 'hello' },
        { id: 'm2', text: 'there' },
        { id: 'm3', text: 'you' },
      ]);
      const uploaded = await sut.upload(TENANT, { id: 'chat-1', mapping, body });
      expect(uploaded).toMatchObject({
        id: 'chat-1',
        created: true,
        queued: 2,
        skipped: 0,
        status: { backfill_id: 'chat-1', state: 'queued', total: 3 },
      });
      expect(asked).toEqual(['bulk']);
      expect(ingested.map((i) => [i.tenant, i.id, i.mapping, i.complete])).toEqual([['acme', 'chat-1', mapping, true]]);
      expect(ingested[0].records.map((r) => [r.line, r.id, 'text' in r ? r.text : r.error.code])).toEqual([
        [1, 'm1', 'hello'],
        [2, 'm2', 'there'],
        [3, 'm3', 'you'],
      ]);
    });

    it('names a new backfill with a UUID when no id is given', async () => {
      const { sut } = setup();
      const uploaded = await sut.upload(TENANT, { mapping, body: ndjsonBody([{ text: 'hi' }]) });
      expect(uploaded.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(uploaded.status.backfill_id).toBe(uploaded.id);
    });

    it('resumes an existing backfill under the same id (created: false, chunks already stored skipped)', async () => {
      const { sut } = setup();
      const rows = [{ text: 'a' }, { text: 'b' }];
      await sut.upload(TENANT, { id: 'again', mapping, body: ndjsonBody(rows) });
      expect(await sut.upload(TENANT, { id: 'again', mapping, body: ndjsonBody(rows) })).toMatchObject({
        id: 'again',
        created: false,
        queued: 0,
        skipped: 1,
      });
    });

    it('refuses an invalid id with BACKFILL_ID_INVALID before admission', async () => {
      const { sut, asked, ingested } = setup();
      await expect(sut.upload(TENANT, { id: 'bad id', mapping, body: ndjsonBody([{ text: 'a' }]) })).rejects.toMatchObject({
        code: 'BACKFILL_ID_INVALID',
      });
      expect([asked, ingested]).toEqual([[], []]);
    });

    it('refuses with 429 OVERLOADED when the gate does, reading nothing of the body', async () => {
      const { sut, gate, ingested } = setup();
      gate.refuse = true;
      const body = ndjsonBody([{ text: 'a' }]);
      const refused = await sut.upload(TENANT, { id: 'full', mapping, body }).catch((e: unknown) => e);
      expect([(refused as AppError).code, (refused as AppError).httpStatus]).toEqual(['OVERLOADED', 429]);
      expect([ingested, body.readableEnded]).toEqual([[], false]);
    });
  });

  describe('status', () => {
    it("answers a backfill's status, and BACKFILL_NOT_FOUND for an unknown one", async () => {
      const { sut, records } = setup();
      records.set('known', finished('known', 4));
      await expect(sut.status(TENANT, 'known')).resolves.toMatchObject({ backfill_id: 'known', state: 'completed', total: 4, done: 4 });
      await expect(sut.status(TENANT, 'unknown')).rejects.toMatchObject({ code: 'BACKFILL_NOT_FOUND' });
    });
  });

  describe('results and errors', () => {
    it('gives the output lines from the offset with the state, whether they are all there, and the total once sealed', async () => {
      const { sut, records, lines } = setup();
      lines.set('bf', [outputLine(1), outputLine(2, true), outputLine(3), outputLine(4, true)]);
      records.set('bf', backfillRecord('bf'));
      const uploading = await sut.results(TENANT, 'bf', 0);
      expect([uploading.state, uploading.complete, uploading.total]).toEqual(['uploading', false, undefined]);
      records.set('bf', finished('bf', 4));
      const done = await sut.results(TENANT, 'bf', 1);
      expect([done.state, done.complete, done.total]).toEqual(['completed', true, 4]);
      expect(await collect(done.lines)).toEqual([2, 3, 4].map((n) => outputLine(n, n % 2 === 0).json));
      expect(await collect((await sut.errors(TENANT, 'bf')).lines)).toEqual([outputLine(2, true).json, outputLine(4, true).json]);
    });

    it('answers BACKFILL_NOT_FOUND for an unknown backfill', async () => {
      const { sut } = setup();
      await expect(sut.results(TENANT, 'nope', 0)).rejects.toMatchObject({ code: 'BACKFILL_NOT_FOUND' });
      await expect(sut.errors(TENANT, 'nope')).rejects.toMatchObject({ code: 'BACKFILL_NOT_FOUND' });
    });
  });

  describe('rollups', () => {
    it('names each row by the field it rolls up by', async () => {
      const { sut, records, rollups } = setup();
      records.set('bf', finished('bf', 3));
      rollups.set('bf', [
        { key: 'c1', messages: 2, errors: 1, labels: { joy: 1 } },
        { key: 'c2', messages: 1, errors: 0, labels: { anger: 1 } },
      ]);
      expect(await sut.rollups(TENANT, 'bf', 'conversation_id')).toEqual({
        complete: true,
        rows: [
          { conversation_id: 'c1', messages: 2, errors: 1, labels: { joy: 1 } },
          { conversation_id: 'c2', messages: 1, errors: 0, labels: { anger: 1 } },
        ],
      });
    });

    it('refuses a reserved field with REQUEST_INVALID before looking the backfill up', async () => {
      const { sut, lookups } = setup();
      await expect(sut.rollups(TENANT, 'nope', 'messages')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
      expect(lookups).toEqual([]);
    });
  });

  describe('events', () => {
    it('answers BACKFILL_NOT_FOUND at once for an unknown backfill', async () => {
      const { sut } = setup();
      await expect(sut.events(TENANT, 'nope', new AbortController().signal, 0)).rejects.toMatchObject({ code: 'BACKFILL_NOT_FOUND' });
    });

    it('gives progress while it runs, then done once it finished, and stops there', async () => {
      const { sut, records } = setup();
      const states = [sealed('bf', 4), sealed('bf', 4, { startedAt: T0 + 20, done: 2, chunksDone: 1 }), finished('bf', 4)];
      records.set('bf', states[0]);
      const events = await sut.events(TENANT, 'bf', new AbortController().signal, 0);
      const seen: BackfillEvent[] = [];
      for await (const event of events) {
        seen.push(event);
        records.set('bf', states[seen.length] ?? finished('bf', 4));
      }
      expect(seen.map((e) => [e.event, 'state' in e.data ? e.data.state : e.data.code])).toEqual([
        ['progress', 'queued'],
        ['progress', 'running'],
        ['done', 'completed'],
      ]);
    });

    it('ends with an error event when the backfill expires meanwhile', async () => {
      const { sut, records } = setup();
      records.set('bf', sealed('bf', 4));
      const seen: BackfillEvent[] = [];
      for await (const event of await sut.events(TENANT, 'bf', new AbortController().signal, 0)) {
        seen.push(event);
        records.delete('bf');
      }
      expect(seen.map((e) => e.event)).toEqual(['progress', 'error']);
      expect(seen[1].data).toEqual({ code: 'BACKFILL_NOT_FOUND', message: 'Backfill bf expired' });
    });

    it('stops without another read once the client went away', async () => {
      const { sut, records, lookups } = setup();
      records.set('bf', sealed('bf', 4));
      const closed = new AbortController();
      const seen: BackfillEvent[] = [];
      // A pause far longer than any test: only the abort can end it.
      for await (const event of await sut.events(TENANT, 'bf', closed.signal, 3_600_000)) {
        seen.push(event);
        closed.abort();
      }
      expect(seen.map((e) => e.event)).toEqual(['progress']);
      expect(lookups).toEqual(['bf', 'bf']); // the 404 check, then the one progress read
    });
  });

  describe('tenants', () => {
    it("answers another tenant's backfill exactly as a missing one, on every read", async () => {
      const { sut, records, lines } = setup();
      records.set('support-2023', finished('support-2023', 2));
      lines.set('support-2023', [outputLine(1), outputLine(2, true)]);
      const reads = [
        (t: Tenant, id: string) => sut.status(t, id),
        (t: Tenant, id: string) => sut.results(t, id, 0),
        (t: Tenant, id: string) => sut.errors(t, id),
        (t: Tenant, id: string) => sut.rollups(t, id, 'user'),
        (t: Tenant, id: string) => sut.events(t, id, new AbortController().signal, 0),
      ];
      for (const read of reads) {
        const foreign = (await read(OTHER, 'support-2023').catch((e: unknown) => e)) as AppError;
        const missing = (await read(OTHER, 'support-2024').catch((e: unknown) => e)) as AppError;
        expect(foreign.toBody()).toEqual({
          error: { code: 'BACKFILL_NOT_FOUND', message: 'Backfill support-2023 not found (or expired)' },
        });
        expect(missing.toBody().error.code).toBe('BACKFILL_NOT_FOUND');
        await expect(read(TENANT, 'support-2023')).resolves.toBeDefined();
      }
    });

    it("ingests an upload as the caller's tenant: the same id in another tenant is a new backfill", async () => {
      const { sut, ingested } = setup();
      await sut.upload(TENANT, { id: 'support-2023', mapping, body: ndjsonBody([{ text: 'a' }]) });
      const theirs = await sut.upload(OTHER, { id: 'support-2023', mapping, body: ndjsonBody([{ text: 'b' }, { text: 'c' }]) });
      expect(ingested.map((i) => [i.tenant, i.id])).toEqual([
        ['acme', 'support-2023'],
        ['globex', 'support-2023'],
      ]);
      expect([theirs.created, theirs.status.total]).toEqual([true, 2]);
      await expect(sut.status(TENANT, 'support-2023')).resolves.toMatchObject({ total: 1 });
    });
  });
});
