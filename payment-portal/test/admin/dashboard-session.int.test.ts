// The dashboard's sign-in over HTTP: a form post of the admin token sets an HttpOnly, SameSite=Strict
// session cookie signed with a key derived from the token; a wrong token, a missing or foreign CSRF
// token, another Origin and a forged cookie are refused; every page carries the strict CSP; none of
// it is on the public listener.
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

let chain: ChainFixture;
let p: PortalFixture;
let base: string;

beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, { admin: true });
  base = p.portal.adminUrl!;
}, 60_000);
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

/** The sign-in form's CSRF token and its cookie, as a browser would hold them. */
async function signInForm(): Promise<{ csrf: string; cookie: string }> {
  const res = await fetch(`${base}/dashboard/sign-in`);
  expect(res.status).toBe(200);
  const html = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tp_dashboard_csrf='))!;
  expect(cookie).toMatch(/; Path=\/dashboard; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
  return { csrf, cookie: cookie.split(';')[0]! };
}

function post(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function signIn(): Promise<{ session: string; csrf: string }> {
  const form = await signInForm();
  const res = await post(
    '/dashboard/sign-in',
    { csrf: form.csrf, token: p.adminToken },
    { cookie: form.cookie, origin: base },
  );
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/dashboard');
  const session = res.headers.getSetCookie().find((c) => c.startsWith('tp_dashboard='))!;
  // Plain http here: no Secure (it is added when the request came over https).
  expect(session).toMatch(
    /^tp_dashboard=v1\.\d+\.[\w-]+\.[\w-]+; Path=\/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$/,
  );
  const cookie = session.split(';')[0]!;
  const page = await (await fetch(`${base}/dashboard`, { headers: { cookie } })).text();
  return { session: cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page)![1]! };
}

test('without a session the dashboard sends the browser to the sign-in form', async () => {
  const res = await fetch(`${base}/dashboard`, { redirect: 'manual' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/dashboard/sign-in');
  const root = await fetch(`${base}/`, { redirect: 'manual' });
  expect(root.headers.get('location')).toBe('/dashboard');
});

test('the right token signs in; the page carries the strict CSP and no script', async () => {
  const { session } = await signIn();
  const res = await fetch(`${base}/dashboard`, { headers: { cookie: session } });
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toMatch(/script-src|unsafe-inline|https?:/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const html = await res.text();
  expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
  expect(html).toMatch(/<link rel="stylesheet" href="\/dashboard\/dashboard.css" \/?>/);
  const css = await fetch(`${base}/dashboard/dashboard.css`);
  expect(css.headers.get('content-type')).toMatch(/^text\/css/);
});

test('a wrong token is refused (401 dashboard_sign_in_failed) and sets no session', async () => {
  for (const token of ['wrong-token-of-some-length', p.internalToken, '']) {
    const form = await signInForm();
    const res = await post('/dashboard/sign-in', { csrf: form.csrf, token }, { cookie: form.cookie });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('data-reason="dashboard_sign_in_failed"');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('tp_dashboard='))).toBe(false);
  }
});

test('sign-in without its CSRF cookie, with another token, or from another Origin is refused (403)', async () => {
  const form = await signInForm();
  const other = await signInForm();
  const cases: Array<[Record<string, string>, Record<string, string>]> = [
    [{ csrf: form.csrf, token: p.adminToken }, {}],
    [{ csrf: form.csrf, token: p.adminToken }, { cookie: other.cookie }],
    [{ token: p.adminToken }, { cookie: form.cookie }],
    [
      { csrf: form.csrf, token: p.adminToken },
      { cookie: form.cookie, origin: 'https://evil.test' },
    ],
    [
      { csrf: 'v1.9999999999999.aaaaaaaaaaaaaaaaaaaaaaaa.forged', token: p.adminToken },
      { cookie: 'tp_dashboard_csrf=v1.9999999999999.aaaaaaaaaaaaaaaaaaaaaaaa.forged' },
    ],
  ];
  for (const [body, headers] of cases) {
    const res = await post('/dashboard/sign-in', body, headers);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-reason="dashboard_csrf_invalid"');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('tp_dashboard='))).toBe(false);
  }
});

test('a forged or altered session cookie is not a session', async () => {
  const { session } = await signIn();
  const [name, value] = session.split('=') as [string, string];
  const parts = value.split('.');
  const altered = [
    `${name}=${parts[0]}.${Number(parts[1]) + 1000}.${parts[2]}.${parts[3]}`, // longer life
    `${name}=v1.9999999999999.aaaaaaaaaaaaaaaaaaaaaaaa.bm90LWEtbWFj`,
    `${name}=`,
  ];
  for (const cookie of altered) {
    const res = await fetch(`${base}/dashboard`, { redirect: 'manual', headers: { cookie } });
    expect(res.status).toBe(303);
  }
});

test('sign-out needs the session’s CSRF token, then ends the session', async () => {
  const { session, csrf } = await signIn();
  const forged = await post('/dashboard/sign-out', { csrf: 'not-this-one' }, { cookie: session });
  expect(forged.status).toBe(403);
  const out = await post('/dashboard/sign-out', { csrf }, { cookie: session, origin: base });
  expect(out.status).toBe(303);
  expect(out.headers.getSetCookie()).toContainEqual(
    expect.stringMatching(/^tp_dashboard=; Path=\/dashboard; Max-Age=0/),
  );
});

test('a bad filter is a 400 page naming admin_query_invalid', async () => {
  const { session } = await signIn();
  const res = await fetch(`${base}/dashboard?from=2026-99-01`, { headers: { cookie: session } });
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('data-reason="admin_query_invalid"');
});

test('the dashboard is not on the public or internal listener', async () => {
  const { session } = await signIn();
  for (const url of [p.portal.publicUrl, p.portal.internalUrl]) {
    for (const path of ['/dashboard', '/dashboard/sign-in']) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual', headers: { cookie: session } });
      expect([401, 404]).toContain(res.status);
    }
  }
});

test('values from the database are escaped, never markup', async () => {
  await p.portal.db.query(
    `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, expires_at)
     VALUES ('xss-invoice', '<img src=x onerror=alert(1)>', '/"><script>alert(1)</script>', '/', 1000, 'd',
             now() + interval '1 hour')`,
  );
  const { session } = await signIn();
  const html = await (await fetch(`${base}/dashboard`, { headers: { cookie: session } })).text();
  expect(html).toContain('data-invoice="xss-invoice"');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(html).not.toContain('<img src=x');
  expect(html).not.toMatch(/<script/i);
});
