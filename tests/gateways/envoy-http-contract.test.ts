/**
 * Envoy's HTTP ext_authz mode cannot run here (no Envoy binary). This suite holds the shipped
 * envoy-http.yaml and the real authorizer to the same contract: the authorization request is
 * built the way Envoy builds it from that file (the original method, `path_prefix` + original
 * path, Host, and only the headers `allowed_headers` selects, body empty), and the answer is
 * read the way Envoy reads it (200 allows and copies `allowed_upstream_headers`; any other
 * status goes to the client with its body and `allowed_client_headers`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { IDENTITY_HEADERS } from '@turnpike/authz-service';
import { INTEGRATIONS_DIR } from '../support/gateways.js';
import { send } from '../support/http.js';
import { PAYER, SCOPE, SPOOFED, VALID_CLAIMS } from './decision-table.js';
import { scopeCookieName } from '../support/tokens.js';
import { HOST, startStack, type Stack } from './stack.js';

type Json = Record<string, unknown>;
interface EnvoyHttpModel {
  pathPrefix: string;
  allowedHeaders: string[];
  upstreamHeaders: string[];
  clientHeaders: string[];
}

function model(): EnvoyHttpModel {
  const config = parse(readFileSync(path.join(INTEGRATIONS_DIR, 'envoy/envoy-http.yaml'), 'utf8')) as Json;
  const find = (node: unknown): Json | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    if ((node as Json)['@type'] === 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz')
      return node as Json;
    for (const v of Object.values(node)) {
      const hit = find(v);
      if (hit) return hit;
    }
    return undefined;
  };
  const filter = find(config)!;
  const exact = (m: unknown) =>
    ((m as { patterns: Array<{ exact: string }> }).patterns ?? []).map((p) => p.exact.toLowerCase());
  const http = filter.http_service as Json;
  const response = http.authorization_response as Json;
  return {
    pathPrefix: String(http.path_prefix),
    allowedHeaders: exact(filter.allowed_headers),
    upstreamHeaders: exact(response.allowed_upstream_headers),
    clientHeaders: exact(response.allowed_client_headers),
  };
}

interface Outcome {
  allowed: boolean;
  status: number;
  /** Headers Envoy would set on the upstream request (allow). */
  upstream: Record<string, string>;
  /** Headers Envoy would pass to the client (deny). */
  client: Record<string, string>;
  body: string;
}

/** One check as Envoy's HTTP client would make it, against the authorizer's HTTP port. */
async function envoyCheck(
  m: EnvoyHttpModel,
  authzPort: number,
  original: { method: string; path: string; headers: Record<string, string> },
): Promise<Outcome> {
  // Envoy always sends Host, method, path and Authorization; other headers only when allowed.
  const headers: Record<string, string> = { host: HOST, 'content-length': '0' };
  for (const [name, value] of Object.entries(original.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || m.allowedHeaders.includes(lower)) headers[lower] = value;
  }
  const res = await send(authzPort, {
    method: original.method,
    path: `${m.pathPrefix}${original.path}`,
    headers,
  });
  const pick = (names: string[]) =>
    Object.fromEntries(
      names.filter((n) => res.headers[n] !== undefined).map((n) => [n, String(res.headers[n])]),
    );
  return {
    allowed: res.status === 200,
    status: res.status,
    upstream: pick(m.upstreamHeaders),
    client: pick(m.clientHeaders),
    body: res.body,
  };
}

let stack: Stack;
let m: EnvoyHttpModel;
beforeAll(async () => {
  m = model();
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('Envoy HTTP mode (envoy-http.yaml) against the real authorizer', () => {
  it('free → 200; every identity header comes back (empty) so client copies are replaced', async () => {
    const out = await envoyCheck(m, stack.authz.httpPort, {
      method: 'GET',
      path: '/free/page',
      headers: { ...SPOOFED },
    });
    expect(out.allowed).toBe(true);
    expect(Object.keys(out.upstream).sort()).toEqual([...IDENTITY_HEADERS].sort());
    for (const name of IDENTITY_HEADERS) expect(out.upstream[name]).toBe('');
  });

  it('priced, API client, no token → 402 JSON; the x402 header is among the client headers', async () => {
    const out = await envoyCheck(m, stack.authz.httpPort, {
      method: 'GET',
      path: '/premium/doc?x=1',
      headers: { accept: 'application/json' },
    });
    expect(out.status).toBe(402);
    expect(out.client['content-type']).toMatch(/^application\/json/);
    expect(out.client['payment-required']).toBeDefined();
    expect(out.client['www-authenticate']).toMatch(/^Payment /);
    expect(JSON.parse(out.body)).toMatchObject({ error: 'Payment required to access this resource' });
  });

  it('priced, browser → 402 HTML with Location under /_402/', async () => {
    const out = await envoyCheck(m, stack.authz.httpPort, {
      method: 'GET',
      path: '/premium/doc',
      headers: { accept: 'text/html' },
    });
    expect(out.status).toBe(402);
    expect(out.client.location).toMatch(/^\/_402\/pay\?ref=/);
  });

  it.each([
    [
      'the scope cookie (cookie is in allowed_headers)',
      async (s: Stack) => ({ cookie: `${scopeCookieName(SCOPE)}=${await s.signer.sign(VALID_CLAIMS)}` }),
    ],
    [
      'Authorization: Bearer',
      async (s: Stack) => ({ authorization: `Bearer ${await s.signer.sign(VALID_CLAIMS)}` }),
    ],
    ['x-402-token', async (s: Stack) => ({ 'x-402-token': await s.signer.sign(VALID_CLAIMS) })],
  ])('valid token in %s → 200 with the identity for the upstream', async (_n, headersOf) => {
    const out = await envoyCheck(m, stack.authz.httpPort, {
      method: 'POST',
      path: '/premium/echo',
      headers: { ...(await headersOf(stack)), ...SPOOFED },
    });
    expect(out.allowed).toBe(true);
    expect(out.upstream['x-402-payer']).toBe(PAYER);
    expect(out.upstream['x-402-scope']).toBe(SCOPE);
  });

  it('a cookie token is not seen when cookie is left out of allowed_headers (why the file lists it)', async () => {
    const withoutCookie = { ...m, allowedHeaders: m.allowedHeaders.filter((h) => h !== 'cookie') };
    const out = await envoyCheck(withoutCookie, stack.authz.httpPort, {
      method: 'GET',
      path: '/premium/doc',
      headers: {
        accept: 'application/json',
        cookie: `${scopeCookieName(SCOPE)}=${await stack.signer.sign(VALID_CLAIMS)}`,
      },
    });
    expect(out.status).toBe(402);
  });
});
