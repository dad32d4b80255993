// What the {name} placeholders of a rule's text are filled with, from the report draft.
import { busy, growing, slotsUsed, type ReportDraft } from './report-facts';
import { T } from './thresholds';

const pct = (x: number) => `${Math.round(x * 100)} %`;
const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

/** The placeholder values of a draft: {lead} = "<dominant stage> is N % of p95", {busy} = the device's busy share, … */
export function messageVars(r: ReportDraft): Record<string, string> {
  const b = busy(r);
  const share = r.stages.find((s) => s.stage === r.dominant_stage)?.share_of_p95 ?? 0;
  const gpu = r.device.kind === 'gpu';
  const g = growing(r);
  const need =
    g && r.queue.drain_per_s > 0 && r.workers.count > 0
      ? Math.ceil(r.workers.count * (1 + (r.queue.growth_per_s ?? 0) / r.queue.drain_per_s))
      : undefined;
  const used = slotsUsed(r);
  return {
    lead: r.dominant_stage ? `${r.dominant_stage.replace('_', ' ')} is ${pct(share)} of p95` : '',
    device: gpu ? 'GPU' : 'inference threads',
    Device: gpu ? 'GPU' : 'Inference threads',
    busy: pct(b ?? 0),
    busy_share: b === undefined ? 'busy' : `${pct(b)} busy`,
    growth: g ? `, backlog growing by ${r.queue.growth_per_s} chunks/s` : '',
    need: need ? ` (about ${need} for the current load)` : '',
    slots:
      used >= T.SLOTS_FULL
        ? 'every chunk slot is taken'
        : `chunks wait in the queue while workers turn chunks over one slot at a time (${pct(used)} of slots busy)`,
    hit_rate: pct(r.cache.hit_rate ?? 0),
    growth_per_s: String(r.queue.growth_per_s),
    drain_per_s: String(r.queue.drain_per_s),
    gpu_memory: pct(r.device.gpu_memory_used_ratio ?? 0),
    error_rate: pct(r.throughput.error_rate),
    padding: pct(r.batches.padding_efficiency ?? 0),
    p95: ms(r.p95_ms),
    target: ms(r.p95_target_ms),
  };
}

/** A rule's text for this draft. */
export function renderSays(says: string, vars: Record<string, string>): string {
  return says.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
