// Authenticates each request to a Tenant (see libs/contracts tenant.ts, TenantAuthenticator) and
// checks the route's scope: 401 without a key, 403 FORBIDDEN with an unknown one, 403
// SCOPE_MISSING without the scope. The tenant is put on the request for @CurrentTenant(). With no
// keys configured (no API_KEYS, no API_KEYS_FILE), authentication is off and every request is the
// default tenant with every scope.
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, hasScope, type Scope, type Tenant } from '@emo/contracts';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../http/public.decorator';
import { TENANTS } from '../tokens';
import { REQUIRED_SCOPE } from './require-scope.decorator';
import { TenantAuthenticator } from './tenant-authenticator';
import type { TenantDirectory } from './tenant-directory';

/** The request as the guard leaves it. */
export type TenantRequest = FastifyRequest & { tenant?: Tenant };

@Injectable()
export class TenantAuthGuard implements CanActivate {
  private readonly authenticator: TenantAuthenticator;

  constructor(
    @Inject(TENANTS) tenants: TenantDirectory,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.authenticator = new TenantAuthenticator(tenants);
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const tenant = this.authenticator.authenticate(request.headers.authorization);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !hasScope(tenant, scope)) throw new AppError('SCOPE_MISSING', `This route needs the "${scope}" scope`, { scope });
    request.tenant = tenant;
    return true;
  }
}
