// The history checker of the chaos suite as a function, for suites that reuse its load and history
// (the Redis Cluster failover suite): every accepted job and backfill terminal within the bound,
// with exactly one result or one error line per accepted item, ids in input order, status
// done = total; no bare 5xx; no 200 /v1/classify answer with wrong results. Returns the problems
// (empty: the history holds) and the backfill lines' error codes; `historySummary` is the one-line
// summary both suites print (chaos.e2e-spec.ts, cluster-failover.e2e-spec.ts).
import type { AcceptedJob, History } from './chaos-history';
import type { Client } from './chaos-client';
import { waitFor } from './chaos-timing';

const TERMINAL = new Set(['completed', 'cancelled', 'failed']);

export interface HistoryVerdict {
  readonly problems: string[];
  readonly backfillErrorCodes: Record<string, number>;
}

/** Checks `history` against the API at `client`; `deadline`: when every accepted job and backfill must be terminal. */
export async function checkHistory(client: Client, history: History, deadline: number): Promise<HistoryVerdict> {
  const problems: string[] = [];
  const left = () => Math.max(1000, deadline - Date.now());
  const checkJob = async (job: AcceptedJob) => {
    const status = await waitFor(
      `job ${job.jobId} (${job.via}) to be terminal`,
      async () => {
        const s = await client.call('GET', `/v1/jobs/${job.jobId}`);
        const body = s?.body as { state?: string; total?: number; done?: number } | undefined;
        return body?.state && TERMINAL.has(body.state) ? body : undefined;
      },
      left(),
      250,
    ).catch((e: Error) => e);
    if (status instanceof Error) return void problems.push(status.message);
    // A shared job (cross-request batching) holds other calls' items too: this call's are its slice.
    const total = job.slice ? job.slice.offset + job.slice.count : job.items;
    const whole = job.slice
      ? (status.total ?? 0) >= total && status.done === status.total
      : status.total === total && status.done === total;
    if (!whole || (job.slice && job.slice.count !== job.items))
      problems.push(`job ${job.jobId}: total ${status.total} done ${status.done}, ${job.items} items accepted`);
    const from = job.slice ? `?offset=${job.slice.offset}` : '';
    const r = await waitFor(`results of ${job.jobId}`, () => client.call('GET', `/v1/jobs/${job.jobId}/results${from}`), 30_000);
    const lines = String(r.body)
      .split('\n')
      .filter(Boolean)
      .slice(0, job.slice ? job.slice.count : undefined)
      .map((l) => JSON.parse(l) as { id?: string; labels?: unknown; error?: unknown });
    if (lines.length !== job.items)
      return void problems.push(`job ${job.jobId} (${job.via}): ${lines.length} result lines for ${job.items} items`);
    lines.forEach((l, i) => {
      if (Array.isArray(l.labels) === (l.error !== undefined))
        problems.push(`job ${job.jobId} line ${i + 1}: neither one result nor one error: ${JSON.stringify(l)}`);
      if (job.ids && l.id !== job.ids[i]) problems.push(`job ${job.jobId} line ${i + 1}: id ${l.id}, expected ${job.ids[i]}`);
    });
  };
  const jobs = [...history.jobs.values()];
  for (let i = 0; i < jobs.length; i += 16) await Promise.all(jobs.slice(i, i + 16).map(checkJob));

  const backfillErrorCodes: Record<string, number> = {};
  for (const bf of history.backfills.values()) {
    const done = await waitFor(
      `backfill ${bf.id} to complete`,
      async () => {
        const s = await client.call('GET', `/v1/backfills/${bf.id}`);
        const body = s?.body as { state?: string; total?: number; done?: number } | undefined;
        return body?.state === 'completed' ? body : undefined;
      },
      left(),
      250,
    ).catch((e: Error) => e);
    if (done instanceof Error) {
      problems.push(done.message);
      continue;
    }
    if (done.total !== bf.lines || done.done !== bf.lines)
      problems.push(`backfill ${bf.id}: total ${done.total} done ${done.done} for ${bf.lines} lines`);
    const r = await waitFor(
      `results of ${bf.id}`,
      () => client.call('GET', `/v1/backfills/${bf.id}/results`, { timeoutMs: 60_000 }),
      30_000,
    );
    const lines = String(r.body)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; id?: string; labels?: unknown; error?: { code: string } });
    if (lines.length !== bf.lines || lines.some((l, i) => l.line !== i + 1))
      problems.push(
        `backfill ${bf.id}: ${lines.length} result lines for ${bf.lines} input lines (lines not exactly 1..${bf.lines} in order)`,
      );
    for (const l of lines) {
      if (Array.isArray(l.labels) === (l.error !== undefined))
        problems.push(`backfill ${bf.id} line ${l.line}: neither one result nor one error`);
      if (l.error) backfillErrorCodes[l.error.code] = (backfillErrorCodes[l.error.code] ?? 0) + 1;
      const id = bf.validIds.get(l.line);
      if (id !== undefined && l.id !== id) problems.push(`backfill ${bf.id} line ${l.line}: id ${l.id}, expected ${id}`);
    }
  }

  for (const e of history.badServerErrors()) problems.push(`bare 5xx: ${e.what} → ${e.status} ${e.code ?? '(no error code)'}`);
  for (const c of history.badClassify) problems.push(`classify 200 with wrong results: ${c}`);
  return { problems, backfillErrorCodes };
}

/** The summary line's figures: the run, its phases and what the load sent and got. */
export function historySummary(
  history: History,
  run: { seed: number; suiteStarted: number; loadEnded: number; phases: unknown; verdict: HistoryVerdict },
): Record<string, unknown> {
  const jobs = [...history.jobs.values()];
  return {
    seed: run.seed,
    wall_s: Math.round((Date.now() - run.suiteStarted) / 1000),
    drain_s: Math.round((Date.now() - run.loadEnded) / 1000),
    phases: run.phases,
    jobs: jobs.filter((j) => j.via === 'jobs').length,
    job_items: jobs.filter((j) => j.via === 'jobs').reduce((a, j) => a + j.items, 0),
    classify_ok: history.classifyOk,
    classify_504_followed: jobs.filter((j) => j.via === 'classify-504').length,
    backfills: history.backfills.size,
    backfill_error_codes: run.verdict.backfillErrorCodes,
    answers: history.counts(),
    problems: run.verdict.problems.length,
  };
}
