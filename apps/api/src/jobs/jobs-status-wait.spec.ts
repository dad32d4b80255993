// JobsService.status with waitMs (GET /v1/jobs/{id}?wait_ms=): held until the job's "finished"
// message or the wait's end, never missing a finish between the first read and the wait, bounded
// in number, answered at shutdown. Verdicts by construction: the fake fleet's watches are ended by
// hand (notify, elapse), never by the clock.
import { describe, expect, it } from 'vitest';
import { items, OTHER, settle, setup, TENANT } from '../testing/jobs-fakes';
import { MAX_STATUS_WAITS } from './jobs.service';

describe('JobsService.status with waitMs', () => {
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
