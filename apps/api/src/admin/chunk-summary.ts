// What the queue dashboard shows of a chunk's data: whose work it is and how big, never the texts
// or item ids. The admin scope is operator access to fleet-wide views (docs/fleet.md, Tenants): it
// must not hand an operator every tenant's texts, so Bull Board's `data` formatter replaces them.
import type { ChunkData } from '@emo/queue';

export interface ChunkSummary {
  readonly job: string;
  readonly tenant: string;
  readonly chunk: number;
  readonly priority: string;
  readonly texts: number;
  readonly weight?: number;
}

/** The chunk's data without texts and item ids; anything that is not a chunk shows as its key count. */
export function chunkSummary(data: unknown): ChunkSummary | { readonly fields: number } {
  const d = data as Partial<ChunkData> | null;
  if (d === null || typeof d !== 'object' || !Array.isArray(d.items))
    return { fields: d && typeof d === 'object' ? Object.keys(d).length : 0 };
  return {
    job: String(d.jobId),
    tenant: String(d.tenant ?? 'default'),
    chunk: Number(d.chunk),
    priority: String(d.priority),
    texts: d.items.length,
    ...(d.weight !== undefined ? { weight: d.weight } : {}),
  };
}
