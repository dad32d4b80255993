// Which key belongs to which tenant. This first version knows API_KEYS only: each key is its own
// tenant (`key-<first 12 hex of its sha256>`) with every scope, as before tenants existed.
// (Issue 15 replaces it with the keys file, scopes, limits and reload.)
import { createHash } from 'node:crypto';
import type { AppConfig } from '@emo/config';
import { DEFAULT_TENANT_ID, SCOPES, type Tenant, type TenantLimits } from '@emo/contracts';

export interface TenantKeyEntry {
  readonly keySha256: Buffer;
  readonly tenant: Tenant;
}

export interface TenantDirectory {
  /** Every known key digest with its tenant; empty: authentication is off. */
  entries(): readonly TenantKeyEntry[];
  /** The tenant of every request while authentication is off. */
  defaultTenant(): Tenant;
}

const UNLIMITED: TenantLimits = { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 };

export class StaticTenantDirectory implements TenantDirectory {
  private readonly keyEntries: readonly TenantKeyEntry[];
  private readonly fallback: Tenant = { id: DEFAULT_TENANT_ID, scopes: new Set(SCOPES), limits: UNLIMITED };

  constructor(config: Pick<AppConfig, 'api'>) {
    this.keyEntries = config.api.apiKeys.map((key) => {
      const keySha256 = createHash('sha256').update(key).digest();
      return { keySha256, tenant: { id: `key-${keySha256.toString('hex').slice(0, 12)}`, scopes: new Set(SCOPES), limits: UNLIMITED } };
    });
  }

  entries(): readonly TenantKeyEntry[] {
    return this.keyEntries;
  }

  defaultTenant(): Tenant {
    return this.fallback;
  }
}
