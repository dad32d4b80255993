// The in-memory fleet, gate and profiler the JobsService specs run on (jobs.service.spec.ts,
// jobs-status-wait.spec.ts): a producer that keeps jobs, a store of their result lines, and
// watches of the "finished" channel the spec ends by hand (`notify`, `elapse`).
import { AppError, type Tenant } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import type { ObserveOptions, Stage, StageLabels } from '@emo/profiler';
import { jobStatusFromRecord, type JobRecord, type Priority, type SubmitRequest } from '@emo/queue';
import { JobsService, type JobsFleet } from '../jobs/jobs.service';

const tenantNamed = (id: string): Tenant => ({
  id,
  scopes: new Set(['jobs']),
  limits: { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 },
});
export const TENANT = tenantNamed('acme');
export const OTHER = tenantNamed('globex');

const notFound = (id: string) => new AppError('JOB_NOT_FOUND', `Job ${id} not found (or its results expired)`);

export function jobRecord(id: string, total: number, priority: Priority, over: Partial<JobRecord> = {}): JobRecord {
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
export function fakeFleet() {
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
export const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A backlog gate that admits until `refuse` is set, and records what it was asked. */
export function fakeGate() {
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
export function fakeProfiling() {
  const stages: { stage: Stage; labels?: StageLabels; count?: number }[] = [];
  const start = (stage: Stage, options?: ObserveOptions) => (count?: number) => void stages.push({ stage, labels: options?.labels, count });
  return { stages, profiling: { profiler: { start } } };
}

const engine = (longTextPolicy: 'reject' | 'truncate') => ({ engine: { maxTextChars: 10, longTextPolicy } }) as Pick<AppConfig, 'engine'>;

export function setup(policy: 'reject' | 'truncate' = 'truncate') {
  const fleet = fakeFleet();
  const { gate, asked } = fakeGate();
  const { profiling, stages } = fakeProfiling();
  const sut = new JobsService(fleet.fleet, gate, engine(policy), profiling);
  return { sut, gate, asked, stages, ...fleet };
}

export const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, text: `text ${i}` }));

export async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}
