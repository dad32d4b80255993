import { AppError, type Tenant } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import type { ObserveOptions, Stage, StageLabels } from '@emo/profiler';
import { jobStatusFromRecord, type JobRecord, type Priority, type SubmitRequest } from '@emo/queue';
import { describe, expect, it } from 'vitest';
import { JobsService, MAX_STATUS_WAITS, type JobsFleet } from './jobs.service';

const tenantNamed = (id: string): Tenant => ({
  id,
  scopes: new Set(['jobs']),
  limits: { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 },
});
const TENANT = tenantNamed('acme');
const OTHER = tenantNamed('globex');

const notFound = (id: string) => new AppError('JOB_NOT_FOUND', `Job ${id} not found (or its results expired)`);

function jobRecord(id: string, total: number, priority: Priority, over: Partial<JobRecord> = {}): JobRecord {
  const base = {
    id,
    kind: 'job',
    tenant: TENANT.id,
    priority,
    total,
    chunkSize: 2,
    chunks: Math.ceil(total / 2),
    createdAt: 1_700_000_000_000,
    chunksDone: 0,
  } as const;
  const counts = {
    done: 0,
    failed: 0,
    cancelled: 0,
    includeScores: false,
    enqueued: true,
    uploads: 0,
    uploadedLines: 0,
    ingestErrors: 0,
    uploadComplete: false,
  };
  return { ...base, ...counts, ...over };
}

/** A fleet in memory: the producer keeps jobs (one per idempotency key), the store their result lines. */
function fakeFleet() {
  const jobs = new Map<string, { record: JobRecord; lines: string[]; key?: string }>();
  const submitted: SubmitRequest[] = [];
  const reads: string[] = [];
  // Like the result store: another tenant's job is not found.
  const find = (id: string, tenant?: string) => {
    const job = jobs.get(id);
    if (!job || (tenant !== undefined && job.record.tenant !== tenant)) throw notFound(id);
    return job;
  };
  // Watches of the "finished" channel: `notify` is a finish message, `elapse` a wait's timeout.
  const watches: { jobId: string; wake: (finished: boolean) => void; cancelled: boolean }[] = [];
  let afterRead: ((id: string) => void) | undefined;
  const fleet: JobsFleet = {
    async watchFinished(jobId) {
      let wake!: (finished: boolean) => void;
      const woken = new Promise<boolean>((resolve) => (wake = resolve));
      const watch = { jobId, wake, cancelled: false };
      watches.push(watch);
      return { wait: () => woken, cancel: () => void (watch.cancelled = true) };
    },
    producer: {
      async submit(req) {
        submitted.push(req);
        const earlier =
          req.idempotencyKey === undefined
            ? undefined
            : [...jobs.values()].find((j) => j.key === req.idempotencyKey && j.record.tenant === req.tenant);
        if (earlier) return { jobId: earlier.record.id, created: false };
        const id = `job-${jobs.size + 1}`;
        const lines = req.items.map((item) => JSON.stringify({ id: item.id, labels: [] }));
        jobs.set(id, { record: jobRecord(id, req.items.length, req.priority, { tenant: req.tenant }), lines, key: req.idempotencyKey });
        return { jobId: id, created: true };
      },
      async status(id, tenant) {
        const status = jobStatusFromRecord(find(id, tenant).record);
        afterRead?.(id);
        return status;
      },
      async cancel(id, tenant) {
        const job = find(id, tenant);
        job.record = {
          ...job.record,
          cancelledAt: 1_700_000_000_500,
          finishedAt: 1_700_000_000_500,
          done: job.record.total ?? 0,
          cancelled: job.record.total ?? 0,
        };
        return jobStatusFromRecord(job.record);
      },
    },
    store: {
      async requireRecord(id, tenant) {
        return find(id, tenant).record;
      },
      async *readLines(record, offset = 0) {
        reads.push(record.id);
        yield* find(record.id).lines.slice(offset);
      },
    },
  };
  const finish = (id: string) => {
    const job = find(id);
    job.record = {
      ...job.record,
      startedAt: 1_700_000_000_100,
      finishedAt: 1_700_000_000_200,
      done: job.record.total ?? 0,
      chunksDone: job.record.chunks ?? 0,
    };
  };
  const live = () => watches.filter((w) => !w.cancelled);
  const notify = (id: string) => watches.filter((w) => w.jobId === id && !w.cancelled).forEach((w) => w.wake(true));
  const elapse = () => live().forEach((w) => w.wake(false));
  const onRead = (fn: (id: string) => void) => void (afterRead = fn);
  return { fleet, submitted, reads, finish, watches, live, notify, elapse, onRead };
}

/** Lets pending promise callbacks run (the service's awaits between the watch and the read). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A backlog gate that admits until `refuse` is set, and records what it was asked. */
function fakeGate() {
  const asked: Priority[] = [];
  const gate = {
    refuse: false,
    async admit(priority: Priority) {
      asked.push(priority);
      if (gate.refuse) throw new AppError('OVERLOADED', `The ${priority} queue is full; retry in 3 s`, { retry_after_s: 3 });
    },
  };
  return { gate, asked };
}

/** A profiler that records each stage that ended, with its labels and count. */
function fakeProfiling() {
  const stages: { stage: Stage; labels?: StageLabels; count?: number }[] = [];
  const start = (stage: Stage, options?: ObserveOptions) => (count?: number) => void stages.push({ stage, labels: options?.labels, count });
  return { stages, profiling: { profiler: { start } } };
}

const engine = (longTextPolicy: 'reject' | 'truncate') => ({ engine: { maxTextChars: 10, longTextPolicy } }) as Pick<AppConfig, 'engine'>;

function setup(policy: 'reject' | 'truncate' = 'truncate') {
  const fleet = fakeFleet();
  const { gate, asked } = fakeGate();
  const { profiling, stages } = fakeProfiling();
  const sut = new JobsService(fleet.fleet, gate, engine(policy), profiling);
  return { sut, gate, asked, stages, ...fleet };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, text: `text ${i}` }));

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe(JobsService.name, () => {
  describe('submit', () => {
    it('admits on the priority, queues the job, and answers its status with created: true', async () => {
      const { sut, asked, submitted, stages } = setup();
      const { status, created } = await sut.submit(TENANT, { items: items(3), priority: 'interactive', includeScores: true });
      expect(created).toBe(true);
      expect(status).toMatchObject({ job_id: 'job-1', state: 'queued', priority: 'interactive', total: 3 });
      expect(asked).toEqual(['interactive']);
      expect(submitted).toEqual([
        { tenant: 'acme', tenantWeight: 1, items: items(3), priority: 'interactive', includeScores: true, idempotencyKey: undefined },
      ]);
      expect(stages).toEqual([{ stage: 'enqueue', labels: { priority: 'interactive' }, count: 3 }]);
    });

    it('replays a job by its idempotency key, from the body or the Idempotency-Key header, without queueing it again', async () => {
      const { sut } = setup();
      const first = await sut.submit(TENANT, { items: items(2), priority: 'bulk', idempotencyKey: 'same' });
      const byHeader = await sut.submit(TENANT, { items: items(2), priority: 'bulk', idempotencyKeyHeader: 'same' });
      expect(byHeader).toEqual({ status: first.status, created: false });
      const other = await sut.submit(TENANT, { items: items(2), priority: 'bulk', idempotencyKeyHeader: 'other' });
      expect([other.status.job_id, other.created]).toEqual(['job-2', true]);
    });

    it("takes the body's key over the header's, and no key from an empty header", async () => {
      const { sut, submitted } = setup();
      await sut.submit(TENANT, { items: items(1), priority: 'bulk', idempotencyKey: 'body', idempotencyKeyHeader: 'header' });
      await sut.submit(TENANT, { items: items(1), priority: 'bulk', idempotencyKeyHeader: '' });
      expect(submitted.map((r) => r.idempotencyKey)).toEqual(['body', undefined]);
    });

    it('refuses with 429 OVERLOADED when the backlog gate does, and queues nothing', async () => {
      const { sut, gate, submitted } = setup();
      gate.refuse = true;
      const refused = await sut.submit(TENANT, { items: items(2), priority: 'bulk' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect([(refused as AppError).code, (refused as AppError).httpStatus, (refused as AppError).details]).toEqual([
        'OVERLOADED',
        429,
        { retry_after_s: 3 },
      ]);
      expect(submitted).toEqual([]);
    });

    it('refuses a text over MAX_TEXT_CHARS with TEXT_TOO_LONG under LONG_TEXT_POLICY=reject, before asking for admission', async () => {
      const { sut, asked, submitted } = setup('reject');
      const long = [{ text: 'short' }, { text: 'x'.repeat(11) }];
      await expect(sut.submit(TENANT, { items: long, priority: 'bulk' })).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        details: { index: 1, limit: 10 },
      });
      expect([asked, submitted]).toEqual([[], []]);
    });

    it('lets long texts through under LONG_TEXT_POLICY=truncate (the engine cuts them)', async () => {
      const { sut } = setup('truncate');
      await expect(sut.submit(TENANT, { items: [{ text: 'x'.repeat(11) }], priority: 'bulk' })).resolves.toMatchObject({ created: true });
    });
  });

  describe('status', () => {
    it("answers a job's status, and JOB_NOT_FOUND for an unknown one", async () => {
      const { sut } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      await expect(sut.status(TENANT, 'job-1')).resolves.toMatchObject({ job_id: 'job-1', total: 2 });
      await expect(sut.status(TENANT, 'nope')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    });

    it('with waitMs, answers a finished job at once and leaves no watch behind', async () => {
      const { sut, finish, live } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      finish('job-1');
      await expect(sut.status(TENANT, 'job-1', 30_000)).resolves.toMatchObject({ state: 'completed' });
      expect(live()).toHaveLength(0);
    });

    it('with waitMs, holds the answer until the job finishes, then answers its final state', async () => {
      const { sut, finish, notify, live } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      let answer: unknown;
      const pending = sut.status(TENANT, 'job-1', 30_000).then((s) => (answer = s));
      await settle();
      expect(answer).toBeUndefined();
      expect(live().map((w) => w.jobId)).toEqual(['job-1']);
      finish('job-1');
      notify('job-1');
      await pending;
      expect(answer).toMatchObject({ job_id: 'job-1', state: 'completed', done: 2 });
      expect(live()).toHaveLength(0);
    });

    it('with waitMs, answers the state as it is when the wait passes first', async () => {
      const { sut, elapse, live } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      const pending = sut.status(TENANT, 'job-1', 50);
      await settle();
      elapse();
      await expect(pending).resolves.toMatchObject({ state: 'queued', done: 0 });
      expect(live()).toHaveLength(0);
    });

    it('with waitMs, does not miss a finish that lands between its first read and its wait (it watches before reading)', async () => {
      const { sut, finish, notify, onRead } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      let once = true;
      onRead((id) => {
        if (!once) return;
        once = false; // the job finishes right after the first read saw it queued
        finish(id);
        notify(id);
      });
      await expect(sut.status(TENANT, 'job-1', 30_000)).resolves.toMatchObject({ state: 'completed' });
    });

    it(`with waitMs, holds at most ${MAX_STATUS_WAITS} calls at once: the next answers the state as it is, without a watch`, async () => {
      const { sut, live, elapse } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      const held = Array.from({ length: MAX_STATUS_WAITS }, () => sut.status(TENANT, 'job-1', 30_000));
      await settle();
      expect(live()).toHaveLength(MAX_STATUS_WAITS);
      await expect(sut.status(TENANT, 'job-1', 30_000)).resolves.toMatchObject({ state: 'queued' });
      expect(live()).toHaveLength(MAX_STATUS_WAITS);
      elapse();
      await Promise.all(held);
      expect(live()).toHaveLength(0);
      // Every wait ended: the next call waits again.
      const again = sut.status(TENANT, 'job-1', 30_000);
      await settle();
      expect(live()).toHaveLength(1);
      elapse();
      await again;
    });

    it('answers every held call when the app closes, and holds no new one after', async () => {
      const { sut, live } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      const held = sut.status(TENANT, 'job-1', 30_000);
      await settle();
      expect(live()).toHaveLength(1);
      sut.beforeApplicationShutdown();
      await expect(held).resolves.toMatchObject({ state: 'queued' });
      await expect(sut.status(TENANT, 'job-1', 30_000)).resolves.toMatchObject({ state: 'queued' });
      expect(live()).toHaveLength(0);
    });

    it("with waitMs, answers JOB_NOT_FOUND at once for another tenant's job or an unknown one, and drops the watch", async () => {
      const { sut, live } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      await expect(sut.status(OTHER, 'job-1', 30_000)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      await expect(sut.status(TENANT, 'nope', 30_000)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(live()).toHaveLength(0);
    });
  });

  describe('results', () => {
    it('gives the lines from the offset with the state, whether they are all there, and the total', async () => {
      const { sut, finish } = setup();
      await sut.submit(TENANT, { items: items(4), priority: 'bulk' });
      const running = await sut.results(TENANT, 'job-1', 0);
      expect([running.state, running.complete, running.total]).toEqual(['queued', false, 4]);
      finish('job-1');
      const done = await sut.results(TENANT, 'job-1', 2);
      expect([done.state, done.complete, done.total]).toEqual(['completed', true, 4]);
      expect((await collect(done.lines)).map((l) => JSON.parse(l).id)).toEqual(['i2', 'i3']);
    });

    it('answers JOB_NOT_FOUND for an unknown job and reads nothing', async () => {
      const { sut, reads } = setup();
      await expect(sut.results(TENANT, 'nope', 0)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(reads).toEqual([]);
    });
  });

  describe('cancel', () => {
    it('cancels through the producer and answers the status; JOB_NOT_FOUND for an unknown job', async () => {
      const { sut } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      await expect(sut.cancel(TENANT, 'job-1')).resolves.toMatchObject({ job_id: 'job-1', state: 'cancelled', cancelled: 2 });
      await expect(sut.cancel(TENANT, 'nope')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    });
  });

  describe('tenants', () => {
    it("answers another tenant's job exactly as a missing one: status, results and cancel", async () => {
      const { sut, reads } = setup();
      await sut.submit(TENANT, { items: items(2), priority: 'bulk' });
      for (const read of [
        (t: Tenant, id: string) => sut.status(t, id),
        (t: Tenant, id: string) => sut.results(t, id, 0),
        (t: Tenant, id: string) => sut.cancel(t, id),
      ]) {
        const foreign = await read(OTHER, 'job-1').catch((e: unknown) => e);
        const missing = await read(OTHER, 'job-9').catch((e: unknown) => e);
        expect((foreign as AppError).toBody()).toEqual({
          error: { code: 'JOB_NOT_FOUND', message: 'Job job-1 not found (or its results expired)' },
        });
        expect((missing as AppError).toBody().error.code).toBe('JOB_NOT_FOUND');
      }
      expect(reads).toEqual([]);
      await expect(sut.status(TENANT, 'job-1')).resolves.toMatchObject({ state: 'queued', cancelled: 0 });
    });

    it("submits for the caller's tenant: the same idempotency key in two tenants names two jobs", async () => {
      const { sut, submitted } = setup();
      const mine = await sut.submit(TENANT, { items: items(1), priority: 'bulk', idempotencyKey: 'k' });
      const theirs = await sut.submit(OTHER, { items: items(1), priority: 'bulk', idempotencyKey: 'k' });
      expect(submitted.map((r) => r.tenant)).toEqual(['acme', 'globex']);
      expect([mine.created, theirs.created, theirs.status.job_id === mine.status.job_id]).toEqual([true, true, false]);
    });
  });
});
