// Injection tokens of the API. esbuild emits no decorator metadata, so every constructor
// parameter names its token with @Inject.
export const APP_CONFIG = Symbol('APP_CONFIG');
export const FLEET_CLIENT = Symbol('FLEET_CLIENT');
/** The Classifier that answers POST /v1/classify: the API result cache in front of the fleet (the fleet alone when the cache is off). */
export const CLASSIFIER = Symbol('CLASSIFIER');
export const API_METRICS = Symbol('API_METRICS');
export const BACKLOG_GATE = Symbol('BACKLOG_GATE');
export const APP_LOGGER = Symbol('APP_LOGGER');
/** () => the result cache's stats object (GET /v1/cache/stats). */
export const CACHE_STATS = Symbol('CACHE_STATS');
/** The ProfilingRuntime of this process (stage timers, GET /v1/profile, job traces). */
export const PROFILING = Symbol('PROFILING');
/** The TenantDirectory: which API key belongs to which tenant (apps/api/src/tenancy). */
export const TENANTS = Symbol('TENANTS');
