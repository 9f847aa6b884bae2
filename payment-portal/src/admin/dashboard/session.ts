import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a dashboard sign-in lasts. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** How long the sign-in form's CSRF cookie lasts. */
export const SIGN_IN_CSRF_LIFETIME_MS = 30 * 60 * 1000;

const SESSION_CONTEXT = 'turnpike dashboard session v1';

/** A verified dashboard session: when it ends, and the CSRF token its forms must carry. */
export interface DashboardSession {
  expiresAt: number;
  csrf: string;
}

/**
 * Signs and checks the dashboard's session cookie. The key is derived from the admin token
 * (HMAC-SHA256 of a fixed context under it), so nothing else is configured, and rotating the admin
 * token ends every session. The cookie holds `v1.<expiry ms>.<csrf>.<mac>`: nothing secret, only
 * proof that someone who knew the admin token signed in before the expiry.
 */
export interface SessionSigner {
  issue(now?: number): { value: string; session: DashboardSession };
  verify(value: string | undefined, now?: number): DashboardSession | undefined;
  /** A signed, expiring CSRF token for the sign-in form (before any session exists). */
  signInCsrf(now?: number): string;
  checkSignInCsrf(value: string | undefined, now?: number): boolean;
}

export function createSessionSigner(adminToken: string): SessionSigner {
  const key = createHmac('sha256', adminToken).update(SESSION_CONTEXT).digest();
  const mac = (purpose: string, body: string): string =>
    createHmac('sha256', key).update(`${purpose}\n${body}`).digest('base64url');
  const equal = (a: string, b: string): boolean => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  const sealed = (purpose: string, expiresAt: number, nonce: string): string => {
    const body = `v1.${expiresAt}.${nonce}`;
    return `${body}.${mac(purpose, body)}`;
  };
  const open = (purpose: string, value: string | undefined, now: number) => {
    const parts = (value ?? '').split('.');
    if (parts.length !== 4 || parts[0] !== 'v1' || !/^\d{1,15}$/.test(parts[1]!)) return undefined;
    const [, expiry, nonce, given] = parts as [string, string, string, string];
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return undefined;
    if (!equal(given, mac(purpose, `v1.${expiry}.${nonce}`))) return undefined;
    const expiresAt = Number(expiry);
    return expiresAt > now ? { expiresAt, nonce } : undefined;
  };
  return {
    issue(now = Date.now()) {
      const session = { expiresAt: now + SESSION_LIFETIME_MS, csrf: randomBytes(18).toString('base64url') };
      return { value: sealed('session', session.expiresAt, session.csrf), session };
    },
    verify(value, now = Date.now()) {
      const opened = open('session', value, now);
      return opened && { expiresAt: opened.expiresAt, csrf: opened.nonce };
    },
    signInCsrf(now = Date.now()) {
      return sealed('sign-in', now + SIGN_IN_CSRF_LIFETIME_MS, randomBytes(18).toString('base64url'));
    },
    checkSignInCsrf(value, now = Date.now()) {
      return open('sign-in', value, now) !== undefined;
    },
  };
}
