// What the bottleneck rules read: the report draft, the fields a condition may cite as evidence,
// and the facts conditions are made of (busy, saturated, growing backlog, pressure, cold cache,
// …). Each fact reads only the fields its evidence group names, so a rule's evidence is the union
// of the groups of the facts it uses (bottleneck-rules.spec.ts records every field read).
import type { Stage } from '../../stages/stages';
import type { ProfileReport } from '../profile-report';
import { T } from './thresholds';

/** A report before its recommendations: what the rules read. */
export type ReportDraft = Omit<ProfileReport, 'recommendations'>;

/** Report fields a condition may read (dotted paths into the draft). */
export type EvidenceField =
  | 'dominant_stage'
  | 'stages'
  | 'p95_ms'
  | 'p95_target_ms'
  | 'device.busy_ratio'
  | 'device.gpu_utilization'
  | 'device.gpu_memory_used_ratio'
  | 'queue.backlog'
  | 'queue.growth_per_s'
  | 'workers.chunk_slots_used'
  | 'batches.at_max_budget_ratio'
  | 'batches.padding_efficiency'
  | 'cache.lookups'
  | 'cache.hit_rate'
  | 'throughput.error_rate';

/** The device's busy share: GPU utilization when nvidia-smi answers, else inference time per batch slot. */
export const busy = (r: ReportDraft) => r.device.gpu_utilization ?? r.device.busy_ratio;
export const saturated = (r: ReportDraft) => {
  const b = busy(r);
  return b !== undefined && b >= T.SATURATED_BUSY;
};
export const growing = (r: ReportDraft) => (r.queue.growth_per_s ?? 0) > 0 && (r.queue.backlog ?? 0) > 0;
export const overTarget = (r: ReportDraft) => r.p95_ms > r.p95_target_ms;
/** Advice about a dominant stage only matters when something hurts: some stage always dominates. */
export const pressure = (r: ReportDraft) => overTarget(r) || saturated(r) || growing(r);
export const slotsUsed = (r: ReportDraft) => r.workers.chunk_slots_used ?? 0;
export const slotsTaken = (r: ReportDraft) =>
  slotsUsed(r) >= T.SLOTS_FULL || ((r.queue.backlog ?? 0) > 0 && slotsUsed(r) >= T.SLOTS_PULLING);
export const cold = (r: ReportDraft) =>
  r.cache.hit_rate !== undefined && r.cache.lookups >= T.COLD_MIN_LOOKUPS && r.cache.hit_rate < T.COLD_HIT_RATE;
export const underused = (r: ReportDraft) => {
  const b = busy(r);
  return b !== undefined && b < T.UNDERUSED_BUSY && (r.batches.at_max_budget_ratio ?? 0) >= T.BUDGET_AT_MAX_SHARE;
};
export const dominant = (r: ReportDraft, ...stages: Stage[]) => r.dominant_stage !== undefined && stages.includes(r.dominant_stage);
/** The stages that run the model's work (the cache skips all three). */
export const DEVICE_STAGES: Stage[] = ['inference', 'tokenization', 'postprocess'];

// The evidence each fact reads.
export const BUSY: EvidenceField[] = ['device.gpu_utilization', 'device.busy_ratio'];
export const GROWING: EvidenceField[] = ['queue.growth_per_s', 'queue.backlog'];
export const PRESSURE: EvidenceField[] = ['p95_ms', 'p95_target_ms', ...BUSY, ...GROWING];
export const COLD: EvidenceField[] = ['cache.hit_rate', 'cache.lookups'];
export const SLOTS: EvidenceField[] = ['workers.chunk_slots_used', 'queue.backlog'];
export const uniq = <X>(xs: X[]) => [...new Set(xs)];
