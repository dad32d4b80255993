// Issue 17, how a browser reaches the queue dashboard: POST /admin/session with an admin key (the
// header, or the sign-in form's body) sets an HttpOnly, Secure, SameSite=Strict cookie for /admin;
// the cookie then opens the board until it expires or DELETE /admin/session ends it; non-admin keys
// get no session; a forged token is refused; a change signed in by the cookie must name the API's
// own origin. On the real API (app.inject) and the real Redis.
import { describe, expect, inject, it } from 'vitest';
import { TEST_API_KEY, testAuth, testAuthB, testTwoTenantsEnv, useApiTestHarness } from '../testing/api-test-harness';
import { SESSION_COOKIE } from './session-cookie';

const ON = { ...testTwoTenantsEnv, API_ADMIN_KEYS: TEST_API_KEY, API_QUEUE_DASHBOARD: 'true' };
const QUEUES = '/admin/queues/api/queues';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.skipIf(!inject('redisAvailable'))('Admin session (issue 17)', () => {
  const harness = useApiTestHarness('admin-session');
  const send = (method: string, url: string, headers: Record<string, string> = {}, payload?: string) =>
    harness.request({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
  const codeOf = async (method: string, url: string, headers: Record<string, string> = {}) => {
    const res = await send(method, url, headers);
    return `${res.statusCode} ${res.statusCode >= 400 ? res.json().error.code : ''}`.trim();
  };
  const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(';')[0];

  it('sets a short-lived HttpOnly, Secure, SameSite=Strict cookie for /admin that opens the board until signed out', async () => {
    await harness.start({ ...ON, API_ADMIN_SESSION_TTL_SECONDS: '600' });
    const signIn = await send('POST', '/admin/session', testAuth);
    expect(signIn.statusCode).toBe(204);
    const set = String(signIn.headers['set-cookie']);
    expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    for (const attribute of ['Path=/admin', 'Max-Age=600', 'HttpOnly', 'Secure', 'SameSite=Strict']) expect(set).toContain(attribute);
    const cookie = { cookie: cookieOf(signIn.headers['set-cookie']) };
    expect(await codeOf('GET', QUEUES, cookie)).toBe('200');
    expect(await codeOf('GET', '/admin/queues', cookie)).toBe('200');
    // The cookie is not an API key: the API's own routes still want the header.
    expect(await codeOf('GET', '/v1/profile', cookie)).toBe('401 UNAUTHORIZED');
    const signOut = await send('DELETE', '/admin/session', cookie);
    expect(signOut.statusCode).toBe(204);
    expect(String(signOut.headers['set-cookie'])).toContain('Max-Age=0');
    expect(await codeOf('GET', QUEUES, cookie)).toBe('401 UNAUTHORIZED');
  });

  it('signs in from the form (key in the body, never the URL) and sends the browser to the board', async () => {
    await harness.start(ON);
    const form = await send('GET', '/admin/session');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="admin_key"');
    expect(form.headers['content-security-policy']).toContain("default-src 'none'");
    const signIn = await send('POST', '/admin/session', FORM, `admin_key=${TEST_API_KEY}`);
    expect(signIn.statusCode).toBe(303);
    expect(signIn.headers.location).toBe('/admin/queues/');
    expect(await codeOf('GET', QUEUES, { cookie: cookieOf(signIn.headers['set-cookie']) })).toBe('200');
  });

  it('gives no session to a missing, unknown or non-admin key, nor to a sign-in from another origin', async () => {
    await harness.start(ON);
    const refusals: [Record<string, string>, string | undefined, string][] = [
      [{}, undefined, '401 UNAUTHORIZED'],
      [FORM, 'admin_key=', '401 UNAUTHORIZED'],
      [FORM, 'admin_key=not-a-known-key-000', '403 FORBIDDEN'],
      [testAuthB, undefined, '403 SCOPE_MISSING'],
      [{ ...FORM, host: 'emo.example', origin: 'https://evil.example' }, `admin_key=${TEST_API_KEY}`, '403 CROSS_ORIGIN_REFUSED'],
    ];
    for (const [headers, body, expected] of refusals) {
      const res = await send('POST', '/admin/session', headers, body);
      expect(`${res.statusCode} ${res.json().error.code}`, JSON.stringify(headers)).toBe(expected);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a forged or malformed session token', async () => {
    await harness.start(ON);
    for (const token of ['A'.repeat(43), 'x', '../../etc', `${'B'.repeat(42)}%`])
      expect(await codeOf('GET', QUEUES, { cookie: `${SESSION_COOKIE}=${token}` }), token).toBe('401 UNAUTHORIZED');
  });

  it("lets a cookie make a change only from the API's own origin", async () => {
    await harness.start({ ...ON, API_QUEUE_DASHBOARD_READ_ONLY: 'false' });
    const signIn = await send('POST', '/admin/session', testAuth);
    const cookie = { cookie: cookieOf(signIn.headers['set-cookie']), host: 'emo.example' };
    const bulk = harness.api.fleet.queues.queue('bulk');
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`, cookie)).toBe('403 CROSS_ORIGIN_REFUSED');
    expect(await codeOf('PUT', `${QUEUES}/bulk/pause`, { ...cookie, origin: 'https://evil.example' })).toBe('403 CROSS_ORIGIN_REFUSED');
    expect(await bulk.isPaused()).toBe(false);
    expect((await send('PUT', `${QUEUES}/bulk/pause`, { ...cookie, origin: 'https://emo.example' })).statusCode).toBeLessThan(300);
    expect(await bulk.isPaused()).toBe(true);
  });

  it('takes only the header when API_ADMIN_SESSION_TTL_SECONDS is 0', async () => {
    await harness.start({ ...ON, API_ADMIN_SESSION_TTL_SECONDS: '0' });
    expect(await codeOf('POST', '/admin/session', testAuth)).toBe('404 NOT_FOUND');
    expect(await codeOf('GET', QUEUES, testAuth)).toBe('200');
  });
});
