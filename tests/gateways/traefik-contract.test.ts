/**
 * Traefik cannot run here (no binary). This suite holds the shipped traefik/dynamic.yaml and the
 * real authorizer to Traefik's forwardAuth contract: a GET to `address` carrying only the
 * `authRequestHeaders` the file lists plus Traefik's own X-Forwarded-Method/-Proto/-Host/-Uri;
 * 2xx allows and copies `authResponseHeaders` (after deleting the client's copies); any other
 * answer goes to the client as is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { INTEGRATIONS_DIR } from '../support/gateways.js';
import { send } from '../support/http.js';
import { scopeCookieName } from '../support/tokens.js';
import { PAYER, SCOPE, SPOOFED, VALID_CLAIMS } from './decision-table.js';
import { HOST, startStack, type Stack } from './stack.js';

interface ForwardAuth {
  address: string;
  authRequestHeaders: string[];
  authResponseHeaders: string[];
}

const forwardAuth = (): ForwardAuth => {
  const config = parse(readFileSync(path.join(INTEGRATIONS_DIR, 'traefik/dynamic.yaml'), 'utf8')) as {
    http: { middlewares: { turnpike: { forwardAuth: ForwardAuth } } };
  };
  return config.http.middlewares.turnpike.forwardAuth;
};

/** The request Traefik makes and what it does with the answer. */
async function traefikCheck(
  fa: ForwardAuth,
  authzPort: number,
  original: { method: string; uri: string; headers: Record<string, string> },
) {
  const allowed = fa.authRequestHeaders.map((h) => h.toLowerCase());
  const headers: Record<string, string> = {
    host: HOST,
    'x-forwarded-method': original.method,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': HOST,
    'x-forwarded-uri': original.uri,
    'x-forwarded-for': '192.0.2.10',
  };
  for (const [name, value] of Object.entries(original.headers))
    if (allowed.includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
  const target = new URL(fa.address);
  const res = await send(authzPort, { path: target.pathname, headers });
  // authResponseHeaders: the client's copies are deleted, then the answer's values set.
  const upstream: Record<string, string> = Object.fromEntries(
    Object.entries(original.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  for (const name of fa.authResponseHeaders.map((h) => h.toLowerCase())) {
    delete upstream[name];
    if (res.headers[name] !== undefined) upstream[name] = String(res.headers[name]);
  }
  return { status: res.status, upstream, body: res.body, headers: res.headers };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('Traefik forwardAuth (traefik/dynamic.yaml) against the real authorizer', () => {
  it('the address is the forward-auth endpoint', () => {
    expect(new URL(forwardAuth().address).pathname).toBe('/v1/forward-auth');
  });

  it('free → 2xx; spoofed identity headers are gone from the upstream request', async () => {
    const out = await traefikCheck(forwardAuth(), stack.authz.httpPort, {
      method: 'GET',
      uri: '/free/page',
      headers: { ...SPOOFED },
    });
    expect(out.status).toBe(200);
    for (const [name, spoof] of Object.entries(SPOOFED)) expect(out.upstream[name]).not.toBe(spoof);
  });

  it('priced, API client → the 402 JSON with PAYMENT-REQUIRED goes to the client', async () => {
    const out = await traefikCheck(forwardAuth(), stack.authz.httpPort, {
      method: 'GET',
      uri: '/premium/doc',
      headers: { Accept: 'application/json' },
    });
    expect(out.status).toBe(402);
    expect(out.headers['payment-required']).toBeDefined();
    expect(JSON.parse(out.body)).toMatchObject({ error: 'Payment required to access this resource' });
  });

  it.each([
    [
      'the scope cookie',
      async (s: Stack) => ({ Cookie: `${scopeCookieName(SCOPE)}=${await s.signer.sign(VALID_CLAIMS)}` }),
    ],
    [
      'Authorization: Bearer',
      async (s: Stack) => ({ Authorization: `Bearer ${await s.signer.sign(VALID_CLAIMS)}` }),
    ],
  ])('valid token in %s (listed in authRequestHeaders) → 2xx with the identity', async (_n, headersOf) => {
    const out = await traefikCheck(forwardAuth(), stack.authz.httpPort, {
      method: 'POST',
      uri: '/premium/echo',
      headers: { ...(await headersOf(stack)), ...SPOOFED },
    });
    expect(out.status).toBe(200);
    expect(out.upstream['x-402-payer']).toBe(PAYER);
    expect(out.upstream['x-402-scope']).toBe(SCOPE);
  });
});
