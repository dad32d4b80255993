// Bearer key → Tenant. Keys are compared as SHA-256 digests with timingSafeEqual against every
// known digest (no early exit), so the time taken tells nothing about a key's prefix. Shared by
// the TenantAuthGuard (Nest routes) and the hook in front of /docs (not a Nest route).
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, type Tenant } from '@emo/contracts';
import type { TenantDirectory } from './tenant-directory';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class TenantAuthenticator {
  constructor(private readonly tenants: TenantDirectory) {}

  /** The tenant of an Authorization header: 401 UNAUTHORIZED without a key, 403 FORBIDDEN with an unknown one. */
  authenticate(authorization: string | undefined): Tenant {
    const open = this.tenants.defaultTenant();
    if (open) return open;
    const match = BEARER.exec(authorization ?? '');
    if (!match) throw new AppError('UNAUTHORIZED', 'Missing API key: send "Authorization: Bearer <key>"');
    const given = createHash('sha256').update(match[1]).digest();
    let found: Tenant | undefined;
    for (const entry of this.tenants.entries()) if (timingSafeEqual(given, entry.keySha256) && !found) found = entry.tenant;
    if (!found) throw new AppError('FORBIDDEN');
    return found;
  }
}
