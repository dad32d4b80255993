// Cross-request batching in one API process: the /v1/classify calls whose misses reach the fleet in
// the same event-loop turn, for the same tenant and flags, travel as one job (one chunk). Under
// load many calls arrive per turn, and one SUBMIT_JOB, one BullMQ add and one worker chunk serve
// them all; a call alone waits for nothing but the end of the current turn (setImmediate), so a
// lone interactive text is never held back for company.
import type { ClassifyOutcome } from '@emo/contracts';
import type { FleetClassifyOptions } from './fleet-classifier';

export interface CoalescedCall {
  readonly texts: readonly string[];
  readonly options: FleetClassifyOptions;
  resolve(outcomes: ClassifyOutcome[]): void;
  reject(error: unknown): void;
}

/** Calls that may share a job: same owner, same queue, same flags the chunk carries (the taxonomy among them). */
export function groupKey(o: FleetClassifyOptions): string {
  return [
    o.tenant ?? '',
    o.tenantMaxQueuedTexts ?? 0,
    o.priority ?? 'interactive',
    o.includeScores ? 1 : 0,
    o.cacheChecked ? 1 : 0,
    o.taxonomy ?? 'goemotions',
  ].join('\u0000');
}

export class CallCoalescer {
  private readonly groups = new Map<string, CoalescedCall[]>();

  constructor(
    /** Most texts in one shared job; a call is never split, so one call alone may have more. */
    private readonly maxTexts: number,
    /** Runs one batch of calls (one call: the plain path). */
    private readonly run: (calls: CoalescedCall[]) => void,
  ) {}

  add(call: CoalescedCall): void {
    const key = groupKey(call.options);
    const group = this.groups.get(key);
    if (group) {
      group.push(call);
      return;
    }
    this.groups.set(key, [call]);
    setImmediate(() => this.flush(key));
  }

  private flush(key: string): void {
    const group = this.groups.get(key) ?? [];
    this.groups.delete(key);
    let batch: CoalescedCall[] = [];
    let texts = 0;
    for (const call of group) {
      if (batch.length > 0 && texts + call.texts.length > this.maxTexts) {
        this.run(batch);
        batch = [];
        texts = 0;
      }
      batch.push(call);
      texts += call.texts.length;
    }
    if (batch.length > 0) this.run(batch);
  }
}
