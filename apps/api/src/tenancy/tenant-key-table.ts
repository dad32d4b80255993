// One version of the tenants: the keys of API_KEYS (each its own tenant `key-<12 hex of its
// sha256>` with classify, jobs and backfills, plus admin when listed in API_ADMIN_KEYS) and the
// tenants of the keys file with their scopes; limits a tenant does not set come from the tenants
// section of the config (TENANT_RATE_LIMIT_TEXTS_PER_S, TENANT_MAX_QUEUED_TEXTS, weight 1).
// Immutable: a reload builds a new table and swaps it whole.
import { createHash } from 'node:crypto';
import type { AppConfig, KeysFile } from '@emo/config';
import { AppError, DEFAULT_TENANT_ID, SCOPES, type Scope, type Tenant, type TenantLimits } from '@emo/contracts';
import type { TenantDirectory, TenantKeyEntry } from './tenant-directory';

type TableConfig = Pick<AppConfig, 'api' | 'tenants'>;

/** What a key of API_KEYS may do unless API_ADMIN_KEYS lists it. */
export const API_KEYS_SCOPES: readonly Scope[] = ['classify', 'jobs', 'backfills'];

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** The tenant id of a key of API_KEYS: stable, and reveals nothing usable about the key. */
export const apiKeyTenantId = (keySha256: Buffer): string => `key-${keySha256.toString('hex').slice(0, 12)}`;

export class TenantKeyTable implements TenantDirectory {
  private constructor(
    private readonly keyEntries: readonly TenantKeyEntry[],
    private readonly fallback: Tenant | undefined,
  ) {}

  /** Throws CONFIG_INVALID when the keys file and API_KEYS disagree (a key or tenant id in both). */
  static build(config: TableConfig, file?: KeysFile): TenantKeyTable {
    const defaults: TenantLimits = {
      textsPerSecond: config.tenants.tenantRateLimitTextsPerS,
      maxQueuedTexts: config.tenants.tenantMaxQueuedTexts,
      weight: 1,
    };
    const tenant = (id: string, scopes: Iterable<Scope>, limits: TenantLimits): Tenant =>
      Object.freeze({ id, scopes: new Set(scopes), limits });
    const admins = new Set(config.api.apiAdminKeys);
    const entries: TenantKeyEntry[] = config.api.apiKeys.map((key) => {
      const keySha256 = sha256(key);
      const scopes = admins.has(key) ? [...API_KEYS_SCOPES, 'admin' as const] : API_KEYS_SCOPES;
      return { keySha256, tenant: tenant(apiKeyTenantId(keySha256), scopes, defaults) };
    });
    const problems: string[] = [];
    const fromEnv = new Set(entries.map((e) => e.keySha256.toString('hex')));
    const envIds = new Set(entries.map((e) => e.tenant.id));
    for (const t of file?.tenants ?? []) {
      if (envIds.has(t.id)) problems.push(`tenant id "${t.id}" is also the tenant of a key of API_KEYS`);
      const limits: TenantLimits = Object.freeze({
        textsPerSecond: t.limits?.texts_per_s ?? defaults.textsPerSecond,
        maxQueuedTexts: t.limits?.max_queued_texts ?? defaults.maxQueuedTexts,
        weight: t.limits?.weight ?? defaults.weight,
      });
      const fileTenant = tenant(t.id, t.scopes, limits);
      for (const key of t.keys) {
        if (fromEnv.has(key.sha256)) problems.push(`a key of tenant "${t.id}"${key.name ? ` (${key.name})` : ''} is also in API_KEYS`);
        entries.push({ keySha256: Buffer.from(key.sha256, 'hex'), tenant: fileTenant });
      }
    }
    if (problems.length > 0)
      throw new AppError('CONFIG_INVALID', `API_KEYS and API_KEYS_FILE disagree: ${problems.join('; ')}`, { problems });
    const authOff = config.api.apiKeys.length === 0 && !config.api.apiKeysFile;
    return new TenantKeyTable(Object.freeze(entries), authOff ? tenant(DEFAULT_TENANT_ID, SCOPES, defaults) : undefined);
  }

  entries(): readonly TenantKeyEntry[] {
    return this.keyEntries;
  }

  defaultTenant(): Tenant | undefined {
    return this.fallback;
  }
}
