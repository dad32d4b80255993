// Rules for a dominant queue_wait: texts wait for a worker to take their chunk. Which of the three
// holds depends on whether the device or the chunk slots are what is full.
import type { BottleneckRule } from './bottleneck-rule';
import { BUSY, dominant, GROWING, growing, pressure, PRESSURE, saturated, SLOTS, slotsTaken, uniq } from './report-facts';

export const QUEUE_STAGE_RULES: readonly BottleneckRule[] = [
  {
    code: 'ADD_WORKERS',
    severity: 'critical',
    when: 'queue_wait dominates and the device is busy ≥ `SATURATED_BUSY` or the backlog grows',
    thresholds: ['SATURATED_BUSY'],
    evidence: ['dominant_stage', ...BUSY, ...GROWING],
    condition: (r) => dominant(r, 'queue_wait') && (saturated(r) || growing(r)),
    says: '{lead} and workers are saturated ({device} {busy_share}{growth}): add workers{need}',
    setting: 'worker replicas',
    why: 'Texts wait in the queue while the workers that would take them have no device time to spare (or fall behind the arrivals): only more workers drain it.',
  },
  {
    code: 'RAISE_WORKER_CONCURRENCY',
    severity: 'warning',
    when: 'queue_wait dominates under pressure, the device is busy < `SATURATED_BUSY`, the backlog does not grow, and chunk slots are ≥ `SLOTS_FULL` used (or ≥ `SLOTS_PULLING` with a backlog waiting)',
    thresholds: ['SATURATED_BUSY', 'SLOTS_FULL', 'SLOTS_PULLING'],
    evidence: uniq(['dominant_stage', ...PRESSURE, ...SLOTS]),
    condition: (r) => dominant(r, 'queue_wait') && !saturated(r) && !growing(r) && slotsTaken(r) && pressure(r),
    says: '{lead} while the {device} are only {busy} busy and {slots}: raise WORKER_CONCURRENCY so more chunks reach the batcher (or add workers)',
    setting: 'WORKER_CONCURRENCY',
    why: 'The device has time to spare but the workers hold all the chunks their slots allow: more chunks in flight per worker reach the batcher and overlap the queue turnaround.',
  },
  {
    code: 'CHECK_WORKERS',
    severity: 'warning',
    when: 'queue_wait dominates under pressure, the device is busy < `SATURATED_BUSY`, the backlog does not grow, and chunk slots are < `SLOTS_FULL` used (and < `SLOTS_PULLING` or no backlog)',
    thresholds: ['SATURATED_BUSY', 'SLOTS_FULL', 'SLOTS_PULLING'],
    evidence: uniq(['dominant_stage', ...PRESSURE, ...SLOTS]),
    condition: (r) => dominant(r, 'queue_wait') && !saturated(r) && !growing(r) && !slotsTaken(r) && pressure(r),
    says: '{lead} but workers are not busy: check that enough workers are running and connected to this queue prefix',
    why: 'Texts wait in the queue while neither the devices nor the chunk slots are busy: the workers are missing, stuck or on another queue prefix.',
  },
];
