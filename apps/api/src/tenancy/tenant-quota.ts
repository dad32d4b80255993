// A tenant's rate limit in texts per second, asked by the services before they enqueue
// (`await quota.admit(tenant, texts)`): a token bucket in the queue Redis (TenantQuotaStore, one
// atomic script), so every API pod draws from the same bucket. Over it: 429 RATE_LIMITED with
// what the headers need in `details`. The tenant's backlog share (TENANT_BACKLOG_FULL) is checked
// later, in the same atomic step as the queue's admission (RESERVE_TEXTS), where a burst cannot
// pass one reading. The state of an admitted call goes into the call's RateLimitSlot, which
// withRateLimitHeaders (the routes that admit) puts on the response; services stay free of HTTP.
//
// Headers follow draft-ietf-httpapi-ratelimit-headers (-08 to -10: two Structured Fields,
// https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/):
//   RateLimit-Policy: "texts";q=<bucket size>;w=<seconds the bucket takes to refill>
//   RateLimit: "texts";r=<texts left>;t=<seconds until the bucket is full again>
// The policy item is a String naming the policy; "q" and "w" are Integers (quota and window),
// "r" and "t" Integers (remaining quota and seconds to its reset). The quota unit ("qu") is left
// out: the draft's registry has request, content-bytes and concurrency, not texts; the policy's
// name says what is counted.
import { AppError, type Tenant } from '@emo/contracts';
import type { ChunkGate, GatedChunk, RateBucket, TenantQuotaStore } from '@emo/queue';

/** What a refused request's `details` carry (RATE_LIMITED, TENANT_BACKLOG_FULL): the filter's headers come from here. */
export interface QuotaDetails {
  readonly retryAfterSeconds: number;
  /** The bucket size (texts), or the tenant's most queued texts. */
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the bucket is full again (RATE_LIMITED only). */
  readonly resetSeconds?: number;
  /** The RateLimit-Policy field value (RATE_LIMITED only). */
  readonly policy?: string;
}

/** The rate-limit state of one admitted call: the values of its two headers. */
export interface RateLimitFields {
  readonly policy: string;
  readonly rateLimit: string;
}

/**
 * Where admit and refund leave one call's rate-limit state (passed along explicitly, not through
 * AsyncLocalStorage, whose promise hooks would cost every promise of the API: ADR 019, "Sixth look").
 */
export interface RateLimitSlot {
  fields?: RateLimitFields;
}

export interface TenantQuotaOptions {
  /** The bucket holds this many seconds of the tenant's rate (TENANT_RATE_BURST_SECONDS). */
  readonly burstSeconds: number;
  /** The clock in ms (tests drive it); default: Redis TIME, one clock for every pod. */
  readonly now?: () => number;
  /** Waits of a backfill's gate (tests count them, and move `now` on); default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Texts of admitted calls per tenant (metrics). */
  readonly onAdmitted?: (tenantId: string, texts: number) => void;
}

const POLICY = 'texts';

/** How often a backfill waiting on its tenant's full backlog share looks again. */
const BACKLOG_POLL_MS = 200;

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The two header values for a bucket's state. */
export function rateLimitFields(limit: number, windowSeconds: number, remaining: number, resetSeconds: number): RateLimitFields {
  return { policy: `"${POLICY}";q=${limit};w=${windowSeconds}`, rateLimit: `"${POLICY}";r=${remaining};t=${resetSeconds}` };
}

/** The header values of a refused request, from its details (undefined: not a rate-limit refusal). */
export function fieldsOfDetails(details: unknown): RateLimitFields | undefined {
  const d = details as Partial<QuotaDetails> | undefined;
  if (typeof d?.policy !== 'string' || typeof d.remaining !== 'number' || typeof d.resetSeconds !== 'number') return undefined;
  return { policy: d.policy, rateLimit: `"${POLICY}";r=${d.remaining};t=${d.resetSeconds}` };
}

/** Admits everything: the quota of services built without one (specs that are not about quotas). */
export const ADMIT_ALL: Pick<TenantQuota, 'admit' | 'refund'> = { admit: async () => undefined, refund: async () => undefined };

/** The codes of the admission steps after the rate limit: a call they refuse gets its texts back. */
const LATER_REFUSALS: ReadonlySet<string> = new Set(['TENANT_BACKLOG_FULL', 'OVERLOADED']);

/** Whether `e` is a refusal by an admission step after the rate limit (nothing was queued). */
function isLaterRefusal(e: unknown): boolean {
  return e instanceof AppError && LATER_REFUSALS.has(e.code);
}

/**
 * Runs `work` (the enqueue) under `tenant`'s rate limit: admits `texts` first (429 RATE_LIMITED),
 * and gives them back when a later admission step refuses the call (TENANT_BACKLOG_FULL,
 * OVERLOADED: nothing was queued). The caller always sees the refusal itself, even if giving the
 * texts back fails (that error is dropped: the bucket then refills at its rate).
 */
export async function spendWithin<T>(
  quota: Pick<TenantQuota, 'admit' | 'refund'>,
  tenant: Tenant,
  texts: number,
  work: () => Promise<T>,
  slot?: RateLimitSlot,
): Promise<T> {
  await quota.admit(tenant, texts, slot);
  try {
    return await work();
  } catch (e) {
    if (isLaterRefusal(e)) await quota.refund(tenant, texts, slot).catch(() => undefined);
    throw e;
  }
}

export class TenantQuota {
  constructor(
    private readonly store: Pick<TenantQuotaStore, 'take' | 'refund' | 'reserveOwn'>,
    private readonly options: TenantQuotaOptions,
  ) {}

  /**
   * Admits `texts` of `tenant` under its rate limit, or throws 429 RATE_LIMITED. A rate of 0 is
   * off: no Redis call. A request larger than the whole bucket passes when the bucket is full and
   * leaves it in debt (the tenant then waits until the debt is paid), so big jobs can run while the
   * average rate holds. The bucket's state after the call goes into `slot` (the response's headers).
   */
  async admit(tenant: Tenant, texts: number, slot?: RateLimitSlot): Promise<void> {
    const rate = tenant.limits.textsPerSecond;
    if (rate > 0 && texts > 0) await this.take(tenant, rate, texts, slot);
    this.options.onAdmitted?.(tenant.id, texts);
  }

  /**
   * Gives back the `texts` an earlier `admit` took, when a later admission step (the tenant's backlog
   * share, the queue's OVERLOADED) refused the call: a refused call spends none of the tenant's rate.
   * Atomic in Redis and capped at the bucket size. Not counted as admitted.
   */
  async refund(tenant: Tenant, texts: number, slot?: RateLimitSlot): Promise<void> {
    const rate = tenant.limits.textsPerSecond;
    if (rate <= 0 || texts <= 0) return;
    const bucket = this.bucketOf(rate);
    const d = await this.store.refund(tenant.id, bucket, texts, this.options.now?.());
    if (slot) slot.fields = rateLimitFields(bucket.capacity, bucket.windowSeconds, d.remaining, Math.ceil(d.resetMs / 1000));
  }

  /**
   * The gate of a tenant's backfill upload (BackfillIngestor): before each chunk it takes the
   * chunk's texts from the tenant's bucket, waiting the bucket's retry-after while it is short (the
   * upload is paced at the tenant's rate), then counts them as the tenant's queued texts (tenant
   * only: the queue's own sums are untouched), waiting while that would pass its share. It waits,
   * never refuses: a streamed upload is not failed half-way (its body is read no faster meanwhile).
   * None for a tenant without either limit: the upload then queues its chunks in groups, as before.
   */
  backfillGate(tenant: Tenant): ChunkGate | undefined {
    if (tenant.limits.textsPerSecond <= 0 && tenant.limits.maxQueuedTexts <= 0) return undefined;
    const sleep = this.options.sleep ?? sleepMs;
    return {
      beforeChunks: async (chunks: readonly GatedChunk[]) => {
        const texts = chunks.reduce((n, c) => n + c.texts, 0);
        const rate = tenant.limits.textsPerSecond;
        if (rate > 0 && texts > 0) {
          const bucket = this.bucketOf(rate);
          for (;;) {
            const d = await this.store.take(tenant.id, bucket, texts, this.options.now?.());
            if (d.allowed) break;
            await sleep(Math.max(1, d.retryAfterMs));
          }
        }
        this.options.onAdmitted?.(tenant.id, texts);
        const max = tenant.limits.maxQueuedTexts;
        if (max > 0) while (!(await this.store.reserveOwn(tenant.id, max, chunks)).admitted) await sleep(BACKLOG_POLL_MS);
      },
    };
  }

  /** The bucket of a tenant with rate `rate`: size rate × burst (at least one text), refilled in `window` seconds. */
  bucketOf(rate: number): RateBucket & { windowSeconds: number } {
    const capacity = Math.max(1, Math.floor(rate * this.options.burstSeconds));
    return { textsPerSecond: rate, capacity, windowSeconds: Math.max(1, Math.ceil(capacity / rate)) };
  }

  private async take(tenant: Tenant, rate: number, texts: number, slot: RateLimitSlot | undefined): Promise<void> {
    const bucket = this.bucketOf(rate);
    const d = await this.store.take(tenant.id, bucket, texts, this.options.now?.());
    const resetSeconds = Math.ceil(d.resetMs / 1000);
    const fields = rateLimitFields(bucket.capacity, bucket.windowSeconds, d.remaining, resetSeconds);
    if (slot) slot.fields = fields;
    if (d.allowed) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    const details: QuotaDetails = {
      retryAfterSeconds,
      limit: bucket.capacity,
      remaining: d.remaining,
      resetSeconds,
      policy: fields.policy,
    };
    throw new AppError(
      'RATE_LIMITED',
      `Tenant ${tenant.id} may send ${rate} texts per second (bursts up to ${bucket.capacity}); ` +
        `these ${texts} texts fit in ${retryAfterSeconds} s`,
      { ...details },
    );
  }
}
