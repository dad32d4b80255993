// The key and argument lists of the result store's scripts (CREATE_JOB, SUBMIT_JOB, RESERVE_TEXTS,
// RELEASE_TEXTS), built from a job and an admission request: pure, so the store keeps only the calls.
import type { Admission } from './admission-types';
import type { FleetKeys } from './fleet-keys';
import type { Priority } from './fleet-job.types';
import { newRecordFields } from './job-record';

export interface NewJob {
  readonly jobId: string;
  /** The tenant that owns the job (and its idempotency key). */
  readonly tenant: string;
  readonly priority: Priority;
  readonly total: number;
  readonly chunkSize: number;
  readonly includeScores?: boolean;
  readonly idempotencyKey?: string;
  /** Digest of what the job classifies (payloadDigest): the same key with another payload is a conflict. */
  readonly payloadDigest?: string;
  /** A TTL of this job's own (a /v1/classify call), kept when its results land; default: the store's. */
  readonly ttlSeconds?: number;
  /** Inbox channel of the waiting process: a one-chunk job publishes its result lines there when it finishes. */
  readonly pushChannel?: string;
}

/** The job record's key, its idempotency key (if any) and CREATE_JOB's arguments after the keys. */
export function jobArgs(
  keys: FleetKeys,
  job: NewJob,
  ttlSeconds: number,
  createdAt: number,
): { meta: string; idempotency?: string; args: (string | number)[] } {
  const fields = newRecordFields({
    kind: 'job',
    id: job.jobId,
    tenant: job.tenant,
    priority: job.priority,
    total: job.total,
    chunkSize: job.chunkSize,
    createdAt,
    includeScores: job.includeScores,
    ttlSeconds: job.ttlSeconds,
    pushChannel: job.pushChannel,
  });
  return {
    meta: keys.meta(job.jobId),
    idempotency: job.idempotencyKey === undefined ? undefined : keys.idempotency(job.tenant, job.idempotencyKey),
    args: [job.jobId, job.ttlSeconds ?? ttlSeconds, job.payloadDigest ?? '', ...fields],
  };
}

/** RESERVE_TEXTS' keys (this priority's queued texts and drain, the other priority's queued texts) and arguments. */
export function reservationArgs(
  keys: FleetKeys,
  priority: Priority,
  a: Admission,
): { keys: [string, string, string]; args: (string | number)[] } {
  return {
    keys: [keys.queuedTexts(priority), keys.drain(priority), keys.queuedTexts(priority === 'interactive' ? 'bulk' : 'interactive')],
    args: [
      a.limit,
      a.deadline?.ms ?? 0,
      a.deadline?.share ?? 0,
      a.nowMs ?? '',
      a.tenant?.id ?? '',
      a.tenant?.maxQueuedTexts ?? 0,
      ...a.chunks.flatMap((c) => [c.chunkId, c.texts]),
    ],
  };
}

/** RELEASE_TEXTS' keys: the queued-texts and drain hashes of both priorities. */
export function releaseKeys(keys: FleetKeys): [string, string, string, string] {
  return [keys.queuedTexts('interactive'), keys.drain('interactive'), keys.queuedTexts('bulk'), keys.drain('bulk')];
}
