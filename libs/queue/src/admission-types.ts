// Admission in texts, as the store's scripts (reserve-texts, submit-job) take and answer it.

/** A tenant whose chunks are about to be queued: its queued texts are counted, and limited by its share (0: off). */
export interface TenantBacklog {
  readonly id: string;
  readonly maxQueuedTexts: number;
}

export interface ReservedTexts {
  readonly admitted: boolean;
  /** Texts queued on the priority's queue (after this reservation when admitted). */
  readonly queued: number;
  /** The queue's limit that applied. */
  readonly limit: number;
  /** The tenant's texts queued on both queues (given a tenant). */
  readonly tenantQueued?: number;
  /** Which limit refused (given a tenant, when not admitted). */
  readonly refusedBy?: 'queue' | 'tenant';
}

/** What reserveTexts / submitJob check and record: the chunks about to be queued against the limits. */
export interface Admission {
  readonly chunks: readonly QueuedChunk[];
  readonly limit: number;
  readonly deadline?: { readonly ms: number; readonly share: number };
  /** The clock (tests); default Redis TIME. */
  readonly nowMs?: number;
  readonly tenant?: TenantBacklog;
}

/** The reservation's answer ({admitted, queued, limit, tenant queued, refused by}) as ReservedTexts. */
export function reservedOf([admitted, queued, limit, tenantQueued, refusedBy]: readonly number[], tenant?: TenantBacklog): ReservedTexts {
  return {
    admitted: admitted === 1,
    queued,
    limit,
    ...(tenant ? { tenantQueued } : {}),
    ...(tenant && admitted !== 1 ? { refusedBy: refusedBy === 2 ? 'tenant' : 'queue' } : {}),
  };
}

/** A chunk about to be queued, for admission in texts. */
export interface QueuedChunk {
  readonly chunkId: string;
  readonly texts: number;
}
