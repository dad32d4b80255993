// What the security fuzz knows of the fleet: which tenant created which jobs, backfills and
// idempotency keys, and which strings belong to whom. Every string a tenant makes up (item ids,
// texts, passthrough values, backfill ids, idempotency keys) and every job id the API gave it is
// that tenant's secret; another tenant may see one only if it sent it in that very request or
// named one of its own things with it (a backfill id both chose). Secrets made up here share one
// shape, `<owner>-<kind>-<salt>-<5 chars>`, and job ids are UUIDs, so an answer is searched once
// for both shapes instead of once per secret.
import type { Requester, TenantName } from './tenant-fleet';

export interface JobEntry {
  readonly id: string;
  readonly owner: TenantName;
  /** Holds HOLD_TOKEN: stays running until the fleet closes. */
  readonly held: boolean;
  cancelledByOwner: boolean;
}

export interface BackfillEntry {
  readonly id: string;
  readonly owner: TenantName;
  /** The first upload's query and body: the same again resumes, anything else conflicts. */
  readonly query: string;
  readonly body: string;
  completed: boolean;
}

export interface IdempotencyEntry {
  readonly payload: string;
  readonly jobId: string;
  /** Sent as the Idempotency-Key header (else in the body): reused the same way. */
  readonly inHeader: boolean;
}

/** Backfill ids anyone would try first. */
export const GUESSABLE_BACKFILL_IDS = ['support-2023', 'export', 'test', 'backfill-1', 'prod'] as const;
/** Idempotency keys anyone would try first. */
export const GUESSABLE_IDEMPOTENCY_KEYS = ['order-42', 'retry-1', 'import'] as const;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export class TenantWorld {
  readonly jobs: JobEntry[] = [];
  private readonly backfills = new Map<string, BackfillEntry>();
  private readonly idempotency = new Map<string, IdempotencyEntry>();
  private readonly secrets = new Map<string, TenantName>();
  private readonly named = new Map<Requester, Set<string>>();
  private readonly made: RegExp;
  private serial = 0;

  constructor(readonly salt: string) {
    this.made = new RegExp(`(?:a|b|admin)-[a-z]+-${salt}-[0-9a-z]{5}`, 'g');
  }

  /** A new secret of `owner`, e.g. fresh('a', 'user') = 'a-user-<salt>-0000f'. */
  fresh(owner: TenantName, kind: string): string {
    const s = `${owner}-${kind}-${this.salt}-${(this.serial++).toString(36).padStart(5, '0')}`;
    this.secrets.set(s, owner);
    return s;
  }

  addJob(id: string, owner: TenantName, held = false): JobEntry {
    const existing = this.jobs.find((j) => j.id === id);
    if (existing) return existing;
    const job = { id, owner, held, cancelledByOwner: false };
    this.jobs.push(job);
    this.secrets.set(id.toLowerCase(), owner);
    return job;
  }

  ownerOfJob(id: string): TenantName | undefined {
    return this.jobs.find((j) => j.id === id)?.owner;
  }

  jobsOf(owner: TenantName, filter: (j: JobEntry) => boolean = () => true): JobEntry[] {
    return this.jobs.filter((j) => j.owner === owner && filter(j));
  }

  /** The backfill `owner` named `id`, if it made one. */
  backfill(owner: TenantName, id: string): BackfillEntry | undefined {
    return this.backfills.get(`${owner}\n${id}`);
  }

  addBackfill(entry: BackfillEntry): void {
    this.backfills.set(`${entry.owner}\n${entry.id}`, entry);
    this.name(entry.owner, entry.id);
    if (/^[0-9a-f-]{36}$/i.test(entry.id)) this.secrets.set(entry.id.toLowerCase(), entry.owner);
  }

  backfillsOf(owner: TenantName): BackfillEntry[] {
    return [...this.backfills.values()].filter((b) => b.owner === owner);
  }

  idempotencyKey(owner: TenantName, key: string): IdempotencyEntry | undefined {
    return this.idempotency.get(`${owner}\n${key}`);
  }

  idempotencyKeysOf(owner: TenantName): string[] {
    return [...this.idempotency.keys()].filter((k) => k.startsWith(`${owner}\n`)).map((k) => k.slice(owner.length + 1));
  }

  addIdempotencyKey(owner: TenantName, key: string, entry: IdempotencyEntry): void {
    this.idempotency.set(`${owner}\n${key}`, entry);
    this.name(owner, key);
  }

  /** `who` used `s` to name a thing of its own (so seeing it again reveals nothing). */
  name(who: Requester, s: string): void {
    let set = this.named.get(who);
    if (!set) this.named.set(who, (set = new Set()));
    set.add(s.toLowerCase());
  }

  /** Secrets of other tenants in `answer` that `who` neither sent in `request` nor named itself. */
  leaks(who: Requester, request: string, answer: string): { secret: string; owner: TenantName }[] {
    const found = new Map<string, TenantName>();
    const sent = request.toLowerCase();
    for (const m of [...answer.matchAll(this.made), ...answer.matchAll(UUID)]) {
      const s = m[0].toLowerCase();
      const owner = this.secrets.get(s);
      if (owner && owner !== who && !sent.includes(s) && !this.named.get(who)?.has(s)) found.set(s, owner);
    }
    return [...found].map(([secret, owner]) => ({ secret, owner }));
  }
}
