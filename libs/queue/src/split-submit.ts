// SUBMIT_JOB and CREATE_JOB with an idempotency key on a Redis Cluster, where one script cannot do
// them: the admission counters (`{<prefix>:admission}`), the job's record (`{<job id>}`) and the
// tenant's idempotency key (a slot of its own) are in three slots. The one-script path stays the
// single-Redis path; here the same answer comes from steps, each atomic on its own slot:
//   1. with a key: GET it; naming a job already → 'existing' or 'conflict', nothing written (as the script);
//   2. with admission: RESERVE_TEXTS → 'refused', nothing written (as the script; with a key, read
//      again first: a request racing on it may have taken the room, and its job is then the answer);
//   3. CREATE_JOB of the record alone (a fresh random id: no one else can know it yet);
//   4. with a key: SET NX GET claims it for this job. Lost to a request that claimed it between 1
//      and 4: this record is deleted and its texts released, and that job's answer is given.
// What is lost against the script, and why it is safe: a process that dies between 2 and 3 leaves
// texts reserved for chunks that never come (the backlog gate forgets the counts when the queue is
// empty, ResultStore.resetQueuedTexts, as for a death between the script and the enqueue today);
// one that dies between 3 and 4 leaves a record nobody can name (it expires with its TTL), and its
// key unclaimed, so a retry creates the job afresh. The key never names a job without a record.
// Two requests racing on one key still get one job; near the queue's limit the one that reserved
// second may be refused (429, Retry-After) where the script would have answered with the job: its
// retry gets the job. Each step is one round trip (with a key and admission, up to four).
import type { CreateJobOutcome, FleetRedis } from './fleet-commands';

type Arg = string | number;

/** [outcome, job id, admitted, queued, limit, tenant queued, refused by]: SUBMIT_JOB's answer. */
export type SubmitAnswer = [CreateJobOutcome | 'refused', string, number, number, number, number, number];

export interface SplitSubmitArgs {
  readonly meta: string;
  readonly idempotency?: string;
  /** CREATE_JOB's arguments: job id, ttl seconds, payload digest, then the record's field/value pairs. */
  readonly jobArgs: readonly Arg[];
  /** RESERVE_TEXTS' keys and arguments; none: no admission. */
  readonly reservation?: {
    readonly keys: readonly [string, string, string];
    readonly args: readonly Arg[];
    readonly chunkIds: readonly string[];
  };
  /** RELEASE_TEXTS' four keys (both priorities' queued-texts and drain hashes), to undo a reservation. */
  readonly releaseKeys: readonly [string, string, string, string];
}

const NOT_RESERVED = [0, 0, 0, 0, 0] as const;

/** What an idempotency key's value `<digest>:<job id>` says to a request with `digest` (idempotency.lua's keyOwner). */
function keyOwner(value: string, digest: string): SubmitAnswer {
  const at = value.indexOf(':');
  const owner = at >= 0 ? value.slice(at + 1) : '';
  return owner !== '' && value.slice(0, at) === digest ? ['existing', owner, ...NOT_RESERVED] : ['conflict', '', ...NOT_RESERVED];
}

export async function splitSubmit(redis: FleetRedis, a: SplitSubmitArgs): Promise<SubmitAnswer> {
  const [jobId, ttl, digest] = a.jobArgs.map(String);
  if (a.idempotency !== undefined) {
    const held = await redis.get(a.idempotency);
    if (held !== null) return keyOwner(held, digest);
  }
  let reserved: number[] = [1, 0, 0, 0, 0];
  if (a.reservation) {
    const [queued, drain, other] = a.reservation.keys;
    reserved = await redis.emoReserveTexts(
      queued,
      drain,
      other,
      ...(a.reservation.args as [number, number, number, number | '', string, number]),
    );
    if (reserved[0] === 0) {
      // A request racing on the same key may have taken the room: once it holds the key, its job is the answer.
      const held = a.idempotency === undefined ? null : await redis.get(a.idempotency);
      return held !== null ? keyOwner(held, digest) : ['refused', '', ...(reserved as [number, number, number, number, number])];
    }
  }
  const undo = async () => {
    if (a.reservation) await redis.emoReleaseTexts(...a.releaseKeys, '', 0, ...a.reservation.chunkIds).catch(() => undefined);
  };
  try {
    await redis.emoCreateJobRecord(a.meta, ...a.jobArgs);
  } catch (e) {
    await undo();
    throw e;
  }
  const answer: SubmitAnswer = ['created', jobId, ...(reserved as [number, number, number, number, number])];
  if (a.idempotency === undefined) return answer;
  // SET NX GET (Redis ≥ 7.0): sets the key when it is free and answers null, else answers its value.
  const claimed = await redis.set(a.idempotency, `${digest}:${jobId}`, 'EX', Number(ttl), 'NX', 'GET');
  if (claimed === null) return answer;
  await Promise.all([redis.del(a.meta).catch(() => undefined), undo()]);
  return keyOwner(claimed, digest);
}
