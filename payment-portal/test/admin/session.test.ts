// The dashboard's session cookie: signed with a key derived from the admin token, expiring, and
// never interchangeable with the sign-in form's CSRF token.
import {
  createSessionSigner,
  SESSION_LIFETIME_MS,
  SIGN_IN_CSRF_LIFETIME_MS,
} from '../../src/admin/dashboard/session.js';

const TOKEN = 'admin-token-0123456789abcdef';

test('a session verifies until it expires, with its CSRF token', () => {
  const signer = createSessionSigner(TOKEN);
  const now = 1_800_000_000_000;
  const { value, session } = signer.issue(now);
  expect(session.expiresAt).toBe(now + SESSION_LIFETIME_MS);
  expect(signer.verify(value, now + SESSION_LIFETIME_MS - 1)).toEqual(session);
  expect(signer.verify(value, now + SESSION_LIFETIME_MS)).toBeUndefined();
});

test('another admin token (a rotated one) does not accept the session', () => {
  const { value } = createSessionSigner(TOKEN).issue();
  expect(createSessionSigner(`${TOKEN}-rotated`).verify(value)).toBeUndefined();
});

test('an altered expiry, nonce or mac, or garbage, is not a session', () => {
  const signer = createSessionSigner(TOKEN);
  const { value } = signer.issue();
  const [v, expiry, nonce, mac] = value.split('.') as [string, string, string, string];
  /** `s` with its first character replaced by another one. */
  const flip = (x: string): string => `${x.startsWith('A') ? 'B' : 'A'}${x.slice(1)}`;
  for (const bad of [
    `${v}.${Number(expiry) + 1}.${nonce}.${mac}`,
    `${v}.${expiry}.${flip(nonce)}.${mac}`,
    `${v}.${expiry}.${nonce}.${flip(mac)}`,
    `v2.${expiry}.${nonce}.${mac}`,
    '',
    undefined,
    'v1.1.2.3.4',
  ])
    expect(signer.verify(bad)).toBeUndefined();
});

test('a sign-in CSRF token is not a session and a session is not a sign-in CSRF token', () => {
  const signer = createSessionSigner(TOKEN);
  const now = Date.now();
  const csrf = signer.signInCsrf(now);
  expect(signer.checkSignInCsrf(csrf, now)).toBe(true);
  expect(signer.checkSignInCsrf(csrf, now + SIGN_IN_CSRF_LIFETIME_MS)).toBe(false);
  expect(signer.verify(csrf, now)).toBeUndefined();
  expect(signer.checkSignInCsrf(signer.issue(now).value, now)).toBe(false);
});
