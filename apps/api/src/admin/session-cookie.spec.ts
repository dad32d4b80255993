import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, SESSION_COOKIE, sessionCookie, sessionTokenOf } from './session-cookie';

describe('session cookie', () => {
  it('is HttpOnly, Secure, SameSite=Strict, for /admin only, with the given lifetime', () => {
    const sut = sessionCookie('tok', 900).split('; ');
    expect(sut).toEqual([`${SESSION_COOKIE}=tok`, 'Path=/admin', 'Max-Age=900', 'HttpOnly', 'Secure', 'SameSite=Strict']);
    expect(clearedSessionCookie()).toContain('Max-Age=0');
  });

  it('finds its token among other cookies, and nothing in look-alikes or empty values', () => {
    expect(sessionTokenOf(`a=1; ${SESSION_COOKIE}=tok; b=2`)).toBe('tok');
    expect(sessionTokenOf(`${SESSION_COOKIE}=first; ${SESSION_COOKIE}=second`)).toBe('first');
    expect(sessionTokenOf(`x${SESSION_COOKIE}=tok; ${SESSION_COOKIE}x=tok`)).toBeUndefined();
    expect(sessionTokenOf(`${SESSION_COOKIE}=`)).toBeUndefined();
    expect(sessionTokenOf(undefined)).toBeUndefined();
  });
});
