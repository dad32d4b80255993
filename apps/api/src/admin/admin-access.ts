// Who may use the admin pages (the queue dashboard): a tenant with the `admin` scope, identified by
// `Authorization: Bearer <key>` (curl, or a reverse proxy that adds the header) or, for a browser,
// by the admin session cookie (admin-sessions.ts). The header wins when both are sent. Refusals use
// the registry: 401 UNAUTHORIZED without either, 403 FORBIDDEN for an unknown key, 403
// SCOPE_MISSING without `admin`, 403 CROSS_ORIGIN_REFUSED for a change (not GET/HEAD) signed in by
// the cookie that does not come from the API's own origin (or any change naming another origin), 403 QUEUE_DASHBOARD_READ_ONLY for a
// change while the dashboard is read-only. With authentication off, the default tenant (every scope).
import { AppError, hasScope, type Tenant } from '@emo/contracts';
import type { TenantAuthenticator } from '../tenancy/tenant-authenticator';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import type { AdminSessions } from './admin-sessions';
import { sessionTokenOf } from './session-cookie';

export interface AdminRequest {
  readonly method: string;
  readonly headers: { readonly authorization?: string; readonly cookie?: string; readonly origin?: string; readonly host?: string };
}

const READS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export class AdminAccess {
  constructor(
    private readonly authenticator: TenantAuthenticator,
    private readonly tenants: TenantDirectory,
    private readonly sessions: AdminSessions | undefined,
    private readonly readOnly: boolean,
  ) {}

  /** The admin tenant of the request; throws the AppError to answer with otherwise. */
  async check(request: AdminRequest): Promise<Tenant> {
    const token = this.sessions && request.headers.authorization === undefined ? sessionTokenOf(request.headers.cookie) : undefined;
    const tenant = token !== undefined ? await this.sessionTenant(token) : this.headerTenant(request.headers.authorization);
    if (!hasScope(tenant, 'admin')) throw new AppError('SCOPE_MISSING', 'The admin pages need the "admin" scope', { scope: 'admin' });
    if (READS.has(request.method.toUpperCase())) return tenant;
    // A cookie-signed change must name this origin; any change that names another origin (a page
    // elsewhere posting to an open local dashboard, say) is refused too. curl and proxies send no Origin.
    const { origin, host } = request.headers;
    if ((token !== undefined || origin !== undefined) && !sameOrigin(origin, host)) throw new AppError('CROSS_ORIGIN_REFUSED');
    if (this.readOnly) throw new AppError('QUEUE_DASHBOARD_READ_ONLY');
    return tenant;
  }

  private headerTenant(authorization: string | undefined): Tenant {
    try {
      return this.authenticator.authenticate(authorization);
    } catch (e) {
      if (e instanceof AppError && e.code === 'UNAUTHORIZED' && this.sessions)
        throw new AppError('UNAUTHORIZED', 'Missing API key: send "Authorization: Bearer <key>" or sign in at /admin/session');
      throw e;
    }
  }

  private async sessionTenant(token: string): Promise<Tenant> {
    const digest = await this.sessions!.resolve(token);
    const entry = digest && this.tenants.entries().find((e) => e.keySha256.equals(digest));
    if (!entry) throw new AppError('UNAUTHORIZED', 'The admin session is unknown or has expired: sign in again at /admin/session');
    return entry.tenant;
  }
}

/** The Origin header names the host the request was sent to (a browser sends Origin on every change). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
