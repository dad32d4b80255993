// @RequireScope('jobs') on a controller or route: the TenantAuthGuard refuses a key whose tenant
// lacks it (403 SCOPE_MISSING). A route without one needs only a valid key.
import { SetMetadata } from '@nestjs/common';
import type { Scope } from '@emo/contracts';

export const REQUIRED_SCOPE = 'emo:required-scope';
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
