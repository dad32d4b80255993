// The admin session cookie: HttpOnly (no script reads it), Secure (sent over HTTPS only; browsers
// also keep it on http://localhost), SameSite=Strict (no cross-site request carries it) and
// Path=/admin (no other route ever sees it). Its value is an opaque random token (admin-sessions.ts).
export const SESSION_COOKIE = 'emo_admin_session';
const PATH = '/admin';

/** The Set-Cookie value that stores `token` for `maxAgeSeconds`. */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=${PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

/** The Set-Cookie value that makes the browser drop the cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=${PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}

/** The session token of a Cookie header, if it carries one (the first, when sent twice). */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  for (const pair of (cookieHeader ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) {
      const value = pair.slice(at + 1).trim();
      return value.length > 0 ? value : undefined;
    }
  }
  return undefined;
}
