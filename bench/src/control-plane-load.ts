// The closed-loop load of `emo bench control-plane`: `clients` loops, each submitting one bulk job of
// never-seen texts through the API (POST /v1/jobs), polling it (GET /v1/jobs/:id) until it is
// completed, reading every result line (GET /v1/jobs/:id/results), then submitting the next, until
// the texts run out. A 429 OVERLOADED waits and submits again (counted). While it runs, a sampler
// reads the Redis figures with the texts in flight (submitted, not yet completed) and those done.
import { AppError } from '@emo/contracts';
import type { RedisSample } from './control-plane-redis';

export interface LoadOptions {
  readonly base: string;
  readonly apiKey: string;
  readonly texts: readonly string[];
  readonly jobTexts: number;
  readonly clients: number;
  readonly pollMs: number;
  readonly sampleMs: number;
  readonly sample: () => Promise<RedisSample>;
}

export interface LoadSample {
  readonly redis: RedisSample;
  readonly inFlight: number;
  readonly completed: number;
}

export interface LoadResult {
  readonly seconds: number;
  /** Texts whose job completed and whose result lines were all read. */
  readonly completed: number;
  readonly jobs: number;
  readonly overloaded: number;
  readonly samples: readonly LoadSample[];
}

export async function closedLoopJobs(opts: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let inFlight = 0;
  let completed = 0;
  let jobs = 0;
  let overloaded = 0;
  let running = true;
  const samples: LoadSample[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    for (;;) {
      const res = await fetch(`${opts.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${opts.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 429) {
        overloaded++;
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (res.status >= 300) throw new AppError('INTERNAL', `${method} ${path} answered ${res.status}: ${await res.text()}`);
      return res;
    }
  };
  const client = async () => {
    while (next < opts.texts.length) {
      const texts = opts.texts.slice(next, (next += opts.jobTexts));
      inFlight += texts.length;
      const { job_id: id } = (await (await call('POST', '/v1/jobs', { items: texts.map((text) => ({ text })) })).json()) as {
        job_id: string;
      };
      submitted();
      for (;;) {
        const s = (await (await call('GET', `/v1/jobs/${id}`)).json()) as { state: string };
        if (s.state === 'completed') break;
        if (s.state !== 'queued' && s.state !== 'running') throw new AppError('INTERNAL', `job ${id} ended ${s.state}`);
        await new Promise((r) => setTimeout(r, opts.pollMs));
      }
      const body = await (await call('GET', `/v1/jobs/${id}/results`)).text();
      const lines = body.split('\n').filter((l) => l.length > 0);
      const failed = lines.filter((l) => l.includes('"error"')).length;
      if (lines.length !== texts.length || failed > 0)
        throw new AppError('INTERNAL', `job ${id}: ${lines.length} result lines (${failed} errors) for ${texts.length} texts`);
      inFlight -= texts.length;
      completed += texts.length;
      jobs++;
    }
  };
  // The first sample is taken as soon as a job is submitted (so there is one with texts in flight), then every sampleMs.
  let submitted: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (submitted = resolve));
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const sampler = async () => {
    await Promise.race([first, done]);
    while (running) {
      if (samples.length > 0) await new Promise((r) => setTimeout(r, opts.sampleMs));
      if (!running) break;
      const snapshot = { inFlight, completed };
      samples.push({ redis: await opts.sample(), ...snapshot });
    }
  };
  const started = performance.now();
  const sampling = sampler();
  try {
    await Promise.all(Array.from({ length: opts.clients }, client));
  } finally {
    running = false;
    finished();
    await sampling;
  }
  return { seconds: (performance.now() - started) / 1000, completed, jobs, overloaded, samples };
}
