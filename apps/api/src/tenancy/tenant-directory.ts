// Which key belongs to which tenant: the TenantAuthGuard's view of the tenants. Two implementations:
// TenantKeyTable (one immutable version, built from API_KEYS and a keys file) and
// KeysFileTenantDirectory (the current TenantKeyTable, replaced when API_KEYS_FILE changes).
import type { Tenant } from '@emo/contracts';

export interface TenantKeyEntry {
  /** SHA-256 of the key (the key itself is never kept). */
  readonly keySha256: Buffer;
  readonly tenant: Tenant;
}

export interface TenantDirectory {
  /** Every known key digest with its tenant. */
  entries(): readonly TenantKeyEntry[];
  /**
   * The tenant of every request while authentication is off (no API_KEYS and no API_KEYS_FILE);
   * undefined while it is on, even if no key is known right now (a keys file listing no tenant
   * refuses everyone rather than opening the API).
   */
  defaultTenant(): Tenant | undefined;
}
