// The readable form of a profile report (`emo profile` without --json).
import type { ProfileReport } from './profile-report';

const pct = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x * 100)} %`);

export function formatProfileReport(r: ProfileReport): string {
  const lines: string[] = [];
  const who = [
    r.sources.workers && `${r.sources.workers} worker(s)`,
    r.sources.apis && `${r.sources.apis} api(s)`,
    r.sources.cli && 'local engine',
  ]
    .filter(Boolean)
    .join(', ');
  lines.push(`profile of the last ${r.window_s} s from ${who || 'no process'}${r.models.length ? ` · model ${r.models.join(', ')}` : ''}`);
  if (r.stages.length === 0) {
    lines.push('no timed work in the window: send some traffic and run it again');
    return lines.join('\n');
  }
  lines.push(
    `throughput ${r.throughput.texts_per_s} texts/s · errors ${pct(r.throughput.error_rate)} · p95 ≈ ${r.p95_ms} ms (target ${r.p95_target_ms} ms)`,
  );
  lines.push('');
  lines.push(`${'stage'.padEnd(14)}${'texts'.padStart(10)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'of p95'.padStart(9)}`);
  for (const s of r.stages) {
    const mark = s.stage === r.dominant_stage ? '  ◀ dominant' : '';
    lines.push(
      `${s.stage.padEnd(14)}${String(s.texts).padStart(10)}${s.p50_ms.toFixed(2).padStart(10)}${s.p95_ms.toFixed(2).padStart(10)}${pct(s.share_of_p95).padStart(9)}${mark}`,
    );
  }
  lines.push('');
  lines.push(
    `cache hit rate ${pct(r.cache.hit_rate)} (L1 ${pct(r.cache.l1_hit_rate)}, L2 ${pct(r.cache.l2_hit_rate)}) over ${r.cache.lookups} lookups`,
  );
  const device =
    r.device.kind === 'gpu'
      ? `GPU ${pct(r.device.gpu_utilization)} busy, memory ${pct(r.device.gpu_memory_used_ratio)} used`
      : `CPU ${pct(r.device.cpu_utilization)}`;
  lines.push(`device ${device} · inference slots ${pct(r.device.busy_ratio)} busy`);
  if (r.batches.count > 0) {
    lines.push(
      `batches ${r.batches.count} · avg ${r.batches.avg_texts} texts, ${r.batches.avg_padded_tokens} padded tokens · padding efficiency ${pct(r.batches.padding_efficiency)} · at max budget ${pct(r.batches.at_max_budget_ratio)}`,
    );
  }
  if (r.sources.workers > 0 || r.queue.backlog !== undefined) {
    lines.push(
      `queue backlog ${r.queue.backlog ?? '-'} chunks, trend ${r.queue.growth_per_s ?? '-'} chunks/s, drain ${r.queue.drain_per_s} chunks/s · chunk slots used ${pct(r.workers.chunk_slots_used)}`,
    );
  }
  lines.push('');
  lines.push('recommendations:');
  for (const rec of r.recommendations) lines.push(`  [${rec.severity}] ${rec.message}`);
  return lines.join('\n');
}
