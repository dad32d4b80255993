// A Classifier that answers through the fleet: the texts go to the interactive queue as one
// chunk, and the answer is read from the result store when the job finishes. Past the deadline
// it throws DEADLINE_EXCEEDED naming the job: the work is not lost, its results land in the store.
import { AppError } from '@emo/contracts';
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { JobFinishedListener } from './job-finished-listener';
import type { JobProducer } from './job-producer';
import { isFinished } from './job-status';
import type { ResultStore } from './result-store';

export class FleetClassifier implements Classifier {
  constructor(
    private readonly producer: JobProducer,
    private readonly store: ResultStore,
    private readonly listener: JobFinishedListener,
    private readonly defaultDeadlineMs: number,
    /** How long the call's record and results stay (CLASSIFY_RESULT_TTL_SECONDS); default: RESULT_TTL_SECONDS. */
    private readonly ttlSeconds?: number,
    private readonly now: () => number = Date.now,
  ) {}

  async classify(texts: readonly string[], options: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    const deadlineAt = options.deadlineAt ?? this.now() + this.defaultDeadlineMs;
    let watch: ReturnType<JobFinishedListener['watch']> | undefined;
    let jobId: string;
    try {
      ({ jobId } = await this.producer.submit({
        items: texts.map((text) => ({ text })),
        priority: options.priority ?? 'interactive',
        includeScores: options.includeScores,
        chunkSize: Math.max(1, texts.length),
        ttlSeconds: this.ttlSeconds,
        beforeEnqueue: (id) => {
          watch = this.listener.watch(id);
        },
      }));
    } catch (e) {
      watch?.cancel(); // not queued (refused, Redis down): nobody will wait for it
      throw e;
    }
    const finished = (await watch?.wait(deadlineAt - this.now())) || isFinished(await this.store.requireMeta(jobId));
    if (!finished) {
      throw new AppError('DEADLINE_EXCEEDED', `No answer within the deadline; the results will be at /v1/jobs/${jobId}/results`, { job_id: jobId });
    }
    const outcomes: ClassifyOutcome[] = [];
    for await (const line of this.store.readLines(await this.store.requireMeta(jobId))) outcomes.push(JSON.parse(line) as ClassifyOutcome);
    return outcomes;
  }
}
