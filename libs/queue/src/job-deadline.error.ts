// The fleet's DEADLINE_EXCEEDED: which job's results will still land, and which tenant owns it.
import { AppError } from '@emo/contracts';

/**
 * DEADLINE_EXCEEDED naming the job whose results will land, and the tenant that owns it: a call
 * that joined another call's computation (a cache in front coalesces texts across callers) gets
 * this error too, and must not show another tenant's job id (ClassifyService checks `tenant`).
 */
export class JobDeadlineError extends AppError {
  constructor(
    readonly jobId: string,
    readonly tenant: string,
    /** A call that shared its job with others (CallCoalescer): where its lines are in the job's results. */
    slice?: { readonly offset: number; readonly count: number },
  ) {
    super(
      'DEADLINE_EXCEEDED',
      slice
        ? `No answer within the deadline; the results will be at /v1/jobs/${jobId}/results?offset=${slice.offset} (${slice.count} lines from there)`
        : `No answer within the deadline; the results will be at /v1/jobs/${jobId}/results`,
      slice ? { job_id: jobId, offset: slice.offset, count: slice.count } : { job_id: jobId },
    );
  }
}
