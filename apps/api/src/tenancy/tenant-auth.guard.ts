// Authenticates each request to a Tenant (see libs/contracts tenant.ts) and checks the route's
// scope: 401 without a key, 403 FORBIDDEN with an unknown one, 403 SCOPE_MISSING without the
// scope. Keys are compared as SHA-256 digests with timingSafeEqual against every known digest, so
// the time taken tells nothing about a key's prefix. The tenant is put on the request for
// @CurrentTenant(). With no keys configured, authentication is off and every request is the
// default tenant with every scope.
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, hasScope, type Scope, type Tenant } from '@emo/contracts';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../http/public.decorator';
import { TENANTS } from '../tokens';
import { REQUIRED_SCOPE } from './require-scope.decorator';
import type { TenantDirectory } from './tenant-directory';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The request as the guard leaves it. */
export type TenantRequest = FastifyRequest & { tenant?: Tenant };

@Injectable()
export class TenantAuthGuard implements CanActivate {
  constructor(
    @Inject(TENANTS) private readonly tenants: TenantDirectory,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const tenant = this.authenticate(request);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !hasScope(tenant, scope)) throw new AppError('SCOPE_MISSING', `This route needs the "${scope}" scope`, { scope });
    request.tenant = tenant;
    return true;
  }

  private authenticate(request: FastifyRequest): Tenant {
    const entries = this.tenants.entries();
    if (entries.length === 0) return this.tenants.defaultTenant();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new AppError('UNAUTHORIZED', 'Missing API key: send "Authorization: Bearer <key>"');
    const given = digest(match[1]);
    let found: Tenant | undefined;
    for (const entry of entries) if (timingSafeEqual(given, entry.keySha256) && !found) found = entry.tenant;
    if (!found) throw new AppError('FORBIDDEN');
    return found;
  }
}
