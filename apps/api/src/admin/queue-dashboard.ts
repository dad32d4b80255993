// Bull Board at /admin/queues (API_QUEUE_DASHBOARD): both fleet queues, on the API's own BullMQ
// queue objects and Redis connection. Bull Board's routes are Fastify's, not Nest's, so the
// TenantAuthGuard never sees them: an onRequest hook over the board's whole plugin scope asks
// AdminAccess (admin scope; header or session cookie) before any of its routes, static files
// included, runs. Chunk data shows without texts or item ids (chunk-summary.ts); the board is
// read-only unless API_QUEUE_DASHBOARD_READ_ONLY=false. Design and threat notes: docs/fleet.md, Queue dashboard.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { AppConfig } from '@emo/config';
import { PRIORITIES, type FleetClient } from '@emo/queue';
import type { FastifyInstance } from 'fastify';
import type { TenantAuthenticator } from '../tenancy/tenant-authenticator';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import { AdminAccess } from './admin-access';
import { registerAdminSessionRoutes } from './admin-session.routes';
import { AdminSessions } from './admin-sessions';
import { chunkSummary } from './chunk-summary';
import { queueDashboardMode } from './queue-dashboard-mode';
import { replyWithAppError } from './reply-with-app-error';

export const DASHBOARD_PATH = '/admin/queues';

const DESCRIPTIONS = {
  interactive: 'interactive jobs, first in, first out (POST /v1/classify calls wait on the interactive lane, not shown here; ADR 020)',
  bulk: 'bulk jobs and backfills: fair share between tenants',
} as const;

export interface QueueDashboardDeps {
  readonly config: Pick<AppConfig, 'api'>;
  readonly fleet: Pick<FleetClient, 'queues' | 'redis' | 'keys'>;
  readonly tenants: TenantDirectory;
  readonly authenticator: TenantAuthenticator;
}

/** Mounts the dashboard (and the admin session routes) when API_QUEUE_DASHBOARD is on; CONFIG_INVALID when it may not be. */
export function registerQueueDashboard(fastify: FastifyInstance, deps: QueueDashboardDeps): void {
  const { api } = deps.config;
  const mode = queueDashboardMode(api);
  if (mode === 'off') return;
  const sessions =
    mode === 'admin' && api.apiAdminSessionTtlSeconds > 0
      ? new AdminSessions(deps.fleet.redis, deps.fleet.keys.prefix, api.apiAdminSessionTtlSeconds)
      : undefined;
  const access = new AdminAccess(deps.authenticator, deps.tenants, sessions, api.apiQueueDashboardReadOnly);
  if (sessions)
    registerAdminSessionRoutes(fastify, {
      authenticator: deps.authenticator,
      sessions,
      dashboardPath: DASHBOARD_PATH,
      unavailableRetryAfterSeconds: api.unavailableRetryAfterSeconds,
    });

  const board = new FastifyAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: PRIORITIES.map((priority) => {
      const adapter = new BullMQAdapter(deps.fleet.queues.queue(priority), {
        readOnlyMode: api.apiQueueDashboardReadOnly,
        description: DESCRIPTIONS[priority],
      });
      adapter.setFormatter('data', chunkSummary);
      return adapter;
    }),
    // @bull-board/fastify 9.10.1 declares its own copy of @bull-board/api 9.10.1's types (same shapes).
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'emo-fleet queues' } },
  });
  void fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        try {
          await access.check(request);
        } catch (e) {
          await replyWithAppError(reply, e, api.unavailableRetryAfterSeconds);
          return reply;
        }
      });
      // Never cached (a shared cache must not keep an admin page), never framed (clickjacking), Referer
      // only to this origin (with `no-referrer`, forms would send `Origin: null`).
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY').header('referrer-policy', 'same-origin');
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: DASHBOARD_PATH },
  );
}
