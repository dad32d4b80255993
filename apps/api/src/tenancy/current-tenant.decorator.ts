// @CurrentTenant() tenant: Tenant — the tenant the TenantAuthGuard authenticated for this request.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AppError, type Tenant } from '@emo/contracts';
import type { TenantRequest } from './tenant-auth.guard';

export function tenantOf(request: TenantRequest): Tenant {
  // A route reached without the guard's tenant is a wiring bug (a @Public() route asking for one).
  if (!request.tenant) throw new AppError('INTERNAL', 'no tenant on this request (public route?)');
  return request.tenant;
}

export const CurrentTenant = createParamDecorator((_: unknown, context: ExecutionContext): Tenant =>
  tenantOf(context.switchToHttp().getRequest<TenantRequest>()),
);
