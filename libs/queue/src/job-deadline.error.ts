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
  ) {
    super('DEADLINE_EXCEEDED', `No answer within the deadline; the results will be at /v1/jobs/${jobId}/results`, { job_id: jobId });
  }
}
