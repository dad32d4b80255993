// The cluster's split submit (split-submit.ts), step by step, on the one test Redis and on the test
// Redis Cluster: what each step answers, and the undo when a racing request claims the key between
// this request's record and its claim (forced here by a claim inside the record's CREATE_JOB).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFleetCommands, type FleetRedis } from './fleet-commands';
import { FleetKeys } from './fleet-keys';
import { createRedis, isCluster } from './redis-connection';
import { splitSubmit, type SplitSubmitArgs } from './split-submit';
import { redisTargets } from './testing/redis-targets';

const TARGETS = redisTargets();

describe.each(TARGETS)('splitSubmit on $name', ({ available, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let redis: FleetRedis;
  let keys: FleetKeys;

  beforeEach(() => {
    const client = createRedis(endpoint, { autoPipelining: true });
    keys = new FleetKeys(`test-split-${randomUUID().slice(0, 8)}`, { cluster: isCluster(client) });
    redis = withFleetCommands(client);
  });

  afterEach(async () => {
    const all = [keys.queuedTexts('bulk'), keys.drain('bulk'), keys.queuedTexts('interactive'), keys.drain('interactive')];
    await Promise.all(all.map((k) => redis.del(k)));
    await redis.quit();
  });

  const args = (jobId: string, idempotency?: string): SplitSubmitArgs => ({
    meta: keys.meta(jobId),
    idempotency,
    jobArgs: [jobId, 60, 'digest-a', 'id', jobId, 'kind', 'job'],
    reservation: {
      keys: [keys.queuedTexts('bulk'), keys.drain('bulk'), keys.queuedTexts('interactive')],
      args: [100, 0, 0, '', 'acme', 0, `${jobId}.0`, 40],
      chunkIds: [`${jobId}.0`],
    },
    releaseKeys: [keys.queuedTexts('interactive'), keys.drain('interactive'), keys.queuedTexts('bulk'), keys.drain('bulk')],
  });
  const queued = async () => Number((await redis.hget(keys.queuedTexts('bulk'), '#texts')) ?? 0);

  it('creates, answers a held key with its job or a conflict, and refuses past the limit writing nothing', async () => {
    const idem = `${keys.prefix}:fleet:idem:acme:k1`;
    expect(await splitSubmit(redis, args('j1', idem))).toEqual(['created', 'j1', 1, 40, 100, 40, 0]);
    expect(await redis.get(idem)).toBe('digest-a:j1');
    expect(await splitSubmit(redis, args('j2', idem))).toEqual(['existing', 'j1', 0, 0, 0, 0, 0]);
    expect(await splitSubmit(redis, { ...args('j3', idem), jobArgs: ['j3', 60, 'digest-b', 'id', 'j3'] })).toEqual([
      'conflict',
      '',
      0,
      0,
      0,
      0,
      0,
    ]);
    const [outcome] = await splitSubmit(redis, {
      ...args('j4'),
      reservation: { ...args('j4').reservation!, args: [50, 0, 0, '', 'acme', 0, 'j4.0', 40] },
    });
    expect(outcome).toBe('refused');
    expect([await redis.exists(keys.meta('j4')), await queued()]).toEqual([0, 40]);
    await Promise.all([redis.del(keys.meta('j1')), redis.del(idem)]);
  });

  it('deletes its record and releases its texts when another request claims the key first, and answers with that job', async () => {
    const idem = `${keys.prefix}:fleet:idem:acme:race`;
    const createRecord = redis.emoCreateJobRecord.bind(redis);
    // The racing request claims the key while this one writes its record.
    const racing = Object.assign(Object.create(redis) as FleetRedis, {
      emoCreateJobRecord: async (...a: Parameters<FleetRedis['emoCreateJobRecord']>) => {
        const r = await createRecord(...a);
        await redis.set(idem, 'digest-a:winner');
        return r;
      },
    });
    expect(await splitSubmit(racing, args('loser', idem))).toEqual(['existing', 'winner', 0, 0, 0, 0, 0]);
    expect([await redis.exists(keys.meta('loser')), await queued(), await redis.get(idem)]).toEqual([0, 0, 'digest-a:winner']);
    await redis.del(idem);
  });
});
