import { AppError, type Tenant } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { collect, items, OTHER, setup, TENANT } from '../testing/jobs-fakes';
import { JobsService } from './jobs.service';

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
