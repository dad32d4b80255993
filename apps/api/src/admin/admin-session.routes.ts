// Signing a browser in to the admin pages (docs/fleet.md, Queue dashboard). A browser cannot send
// an Authorization header when it navigates, and a key never goes in a URL (api-key-in-query.ts),
// so an operator opts in to a session cookie:
//   GET    /admin/session  a sign-in form (the key goes in a password field, POSTed in the body)
//   POST   /admin/session  with `Authorization: Bearer <admin key>` (204) or the form's `admin_key`
//                          field (303 to /admin/queues/): sets the session cookie (session-cookie.ts)
//   DELETE /admin/session  ends the session (here and on every pod) and clears the cookie
// Only keys with the `admin` scope get a session. A POST that names another origin is refused.
import { AppError, hasScope } from '@emo/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import type { TenantAuthenticator } from '../tenancy/tenant-authenticator';
import { sameOrigin } from './admin-access';
import type { AdminSessions } from './admin-sessions';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from './session-cookie';
import { replyWithAppError } from './reply-with-app-error';
import { SIGN_IN_CSP, signInPage } from './sign-in-page';

export const SESSION_PATH = '/admin/session';
const FORM = 'application/x-www-form-urlencoded';
/** Longest sign-in form body: one key field. */
const FORM_LIMIT_BYTES = 4096;

export function registerAdminSessionRoutes(
  fastify: FastifyInstance,
  deps: {
    readonly authenticator: TenantAuthenticator;
    readonly sessions: AdminSessions;
    readonly dashboardPath: string;
    readonly unavailableRetryAfterSeconds: number;
  },
): void {
  void fastify.register(async (scope) => {
    scope.setErrorHandler(async (error, _request, reply) => replyWithAppError(reply, error, deps.unavailableRetryAfterSeconds));
    // Only here: the rest of the API takes no form bodies.
    if (scope.hasContentTypeParser(FORM)) scope.removeContentTypeParser(FORM);
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.get(SESSION_PATH, async (_request, reply) => {
      await htmlHeaders(reply)
        .header('content-security-policy', SIGN_IN_CSP)
        .type('text/html; charset=utf-8')
        .send(signInPage(SESSION_PATH));
    });
    scope.post(SESSION_PATH, async (request, reply) => {
      if (request.headers.origin !== undefined && !sameOrigin(request.headers.origin, request.headers.host))
        throw new AppError('CROSS_ORIGIN_REFUSED');
      const fromForm = request.headers.authorization === undefined;
      const field = (request.body as Record<string, unknown> | undefined)?.admin_key;
      const key = fromForm ? (typeof field === 'string' ? field.trim() : '') : undefined;
      if (fromForm && !key)
        throw new AppError('UNAUTHORIZED', 'Send the admin key in "Authorization: Bearer <key>" or the form field admin_key');
      const authorization = fromForm ? `Bearer ${key}` : request.headers.authorization;
      const tenant = deps.authenticator.authenticate(authorization);
      if (!hasScope(tenant, 'admin')) throw new AppError('SCOPE_MISSING', 'The admin pages need the "admin" scope', { scope: 'admin' });
      const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')![1];
      const token = await deps.sessions.create(createHash('sha256').update(given).digest());
      htmlHeaders(reply).header('set-cookie', sessionCookie(token, deps.sessions.ttlSeconds));
      if (fromForm) await reply.code(303).header('location', `${deps.dashboardPath}/`).send();
      else await reply.code(204).send();
    });
    scope.delete(SESSION_PATH, async (request, reply) => {
      const token = sessionTokenOf(request.headers.cookie);
      if (token) await deps.sessions.revoke(token);
      await htmlHeaders(reply).header('set-cookie', clearedSessionCookie()).code(204).send();
    });
  });
}

/**
 * Never cached, never framed; Referer only to this origin (a `no-referrer` policy would make
 * the browser send `Origin: null` with the sign-in form, which the origin check refuses).
 */
function htmlHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY').header('referrer-policy', 'same-origin');
}
