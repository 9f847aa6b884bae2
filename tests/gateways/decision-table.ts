/**
 * The decision table every gateway must pass, written once as data. Each row: a request a
 * client sends through the gateway, and what the client and the app must see.
 */
import { otherSigningKey, scopeCookieName, unsignedToken, type TestSigner } from '../support/tokens.js';
import { HOST } from './stack.js';

export const SCOPE = '/premium';
export const VALID_CLAIMS = { aud: HOST, resource: SCOPE, plan: 'premium' };
export const PAYER = '0x1111111111111111111111111111111111111111';
export const SPOOFED = {
  'x-402-payer': '0xspoofed',
  'x-402-token-id': 'spoofed-jti',
  'x-402-claims': 'spoofed-claims',
  'x-402-scope': '/',
};

export type Expectation =
  | { kind: 'pass'; identity: 'none' | 'payer'; body?: string }
  | { kind: '402-html' }
  | { kind: '402-json' }
  | { kind: '400-json'; reason: string };

export interface TableRow {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  headers(signer: TestSigner): Promise<Record<string, string>>;
  expect: Expectation;
}

const html = { accept: 'text/html,application/xhtml+xml' };
const api = { accept: 'application/json' };
const bearer = (token: string) => ({ ...api, authorization: `Bearer ${token}` });
const none = async () => ({});

/** Tokens that must never pass, each broken in exactly one way. */
export const BAD_TOKENS: Array<{ name: string; token(signer: TestSigner): Promise<string> }> = [
  { name: 'expired', token: (s) => s.sign(VALID_CLAIMS, { expiresInSeconds: -3600 }) },
  { name: 'not yet valid', token: (s) => s.sign(VALID_CLAIMS, { notBeforeInSeconds: 3600 }) },
  { name: "another host's aud", token: (s) => s.sign({ ...VALID_CLAIMS, aud: 'other.test' }) },
  { name: "another resource's scope", token: (s) => s.sign({ ...VALID_CLAIMS, resource: '/premium-x' }) },
  { name: 'missing the required claim', token: (s) => s.sign(VALID_CLAIMS, { omit: ['plan'] }) },
  { name: 'a wrong required claim value', token: (s) => s.sign({ ...VALID_CLAIMS, plan: 'basic' }) },
  { name: 'a bad signature', token: async (s) => s.sign(VALID_CLAIMS, { key: await otherSigningKey() }) },
  { name: 'alg none', token: async (s) => unsignedToken({ ...VALID_CLAIMS, iss: s.issuer }, s.kid) },
  {
    name: 'an unknown kid',
    token: async (s) => s.sign(VALID_CLAIMS, { key: await otherSigningKey(), kid: 'unknown-kid' }),
  },
  { name: 'garbage', token: async () => 'not.a.jwt' },
];

export const DECISION_TABLE: TableRow[] = [
  {
    name: 'free page passes untouched',
    path: '/free/page?x=1',
    headers: none,
    expect: { kind: 'pass', identity: 'none', body: 'free page /free/page\n' },
  },
  {
    name: 'free page with spoofed identity headers: the app never sees them',
    path: '/free/page',
    headers: async () => ({ ...SPOOFED }),
    expect: { kind: 'pass', identity: 'none' },
  },
  {
    name: 'priced (headers), browser, no token → 402 HTML to the pay page',
    path: '/premium/doc',
    headers: async () => html,
    expect: { kind: '402-html' },
  },
  {
    name: 'priced (headers), API client, no token → 402 JSON + PAYMENT-REQUIRED',
    path: '/premium/doc?page=2',
    headers: async () => api,
    expect: { kind: '402-json' },
  },
  {
    name: 'priced (meta tag, HEAD answers 405), API client → 402 JSON',
    path: '/article/one',
    headers: async () => api,
    expect: { kind: '402-json' },
  },
  {
    name: 'priced (static route), API client → 402 JSON',
    path: '/reports/q1',
    headers: async () => api,
    expect: { kind: '402-json' },
  },
  {
    name: 'priced, spoofed identity headers, no token → 402',
    path: '/premium/doc',
    headers: async () => ({ ...api, ...SPOOFED }),
    expect: { kind: '402-json' },
  },
  {
    name: 'valid token as Bearer → 200 with identity',
    path: '/premium/doc',
    headers: async (s) => bearer(await s.sign(VALID_CLAIMS)),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'valid token in the scope cookie → 200 with identity',
    path: '/premium/a/b',
    headers: async (s) => ({
      ...html,
      cookie: `other=1; ${scopeCookieName(SCOPE)}=${await s.sign(VALID_CLAIMS)}`,
    }),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    // Cookie stuffing (issue 8): the junk sits under a more specific scope's name, so it is tried
    // first; the forgeries name our kid and claims that would grant the request.
    name: 'valid token in the scope cookie behind 8 garbage values and 8 forgeries → 200 with identity',
    path: '/premium/doc',
    headers: async (s) => {
      const deeper = scopeCookieName(`${SCOPE}/doc`);
      const garbage = Array.from({ length: 8 }, (_, i) => `${deeper}=junk-${i}`);
      const key = await otherSigningKey();
      const forged = await Promise.all(
        Array.from({ length: 8 }, async () => `${deeper}=${await s.sign(VALID_CLAIMS, { key })}`),
      );
      const valid = `${scopeCookieName(SCOPE)}=${await s.sign(VALID_CLAIMS)}`;
      return { ...html, cookie: [...garbage, ...forged, valid].join('; ') };
    },
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'valid token in the 402_token cookie → 200 with identity',
    path: '/premium/doc',
    headers: async (s) => ({ ...html, cookie: `402_token=${await s.sign(VALID_CLAIMS)}` }),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'valid token in x-402-token → 200 with identity',
    path: '/premium/doc',
    headers: async (s) => ({ ...api, 'x-402-token': await s.sign(VALID_CLAIMS) }),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'valid token for the meta-tag page → 200',
    path: '/article/one',
    headers: async (s) => bearer(await s.sign({ ...VALID_CLAIMS, resource: '/article' })),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'valid token + spoofed identity headers: the app sees the real identity',
    path: '/premium/doc',
    headers: async (s) => ({ ...bearer(await s.sign(VALID_CLAIMS)), ...SPOOFED }),
    expect: { kind: 'pass', identity: 'payer' },
  },
  {
    name: 'POST body passes on allow',
    method: 'POST',
    path: '/premium/echo',
    body: '{"order":42,"note":"héllo"}',
    headers: async (s) => ({ ...bearer(await s.sign(VALID_CLAIMS)), 'content-type': 'application/json' }),
    expect: {
      kind: 'pass',
      identity: 'payer',
      body: JSON.stringify({ echo: '{"order":42,"note":"héllo"}', seenBy: 'upstream' }),
    },
  },
  {
    name: 'POST without a token → 402',
    method: 'POST',
    path: '/premium/echo',
    body: '{"order":1}',
    headers: async () => ({ ...api, 'content-type': 'application/json' }),
    expect: { kind: '402-json' },
  },
  {
    name: 'a payment proof for a transaction nobody made (x-payment-tx) → 402, the app is not reached',
    path: '/premium/doc',
    headers: async () => ({
      ...api,
      'x-payment-chain': 'base-sepolia',
      'x-payment-tx': `0x${'ab'.repeat(32)}`,
    }),
    expect: { kind: '402-json' },
  },
  {
    name: 'a payment proof naming a forged challenge → 402, the app is not reached',
    path: '/premium/doc',
    headers: async () => ({
      ...api,
      'x-payment-chain': 'base-sepolia',
      'x-payment-tx': `0x${'ab'.repeat(32)}`,
      'x-payment-challenge': `${Buffer.from('{"v":1}').toString('base64url')}.${'A'.repeat(43)}`,
    }),
    expect: { kind: '402-json' },
  },
  {
    // x402 HTTP transport: "Invalid Payment | 400 | Malformed payment payload".
    name: 'a garbage x402 PAYMENT-SIGNATURE → 400',
    path: '/premium/doc',
    headers: async () => ({ ...api, 'payment-signature': 'not-a-payload' }),
    expect: { kind: '400-json', reason: 'x402_payload_invalid' },
  },
  ...BAD_TOKENS.map((bad): TableRow => ({
    name: `token with ${bad.name} → 402`,
    path: '/premium/doc',
    headers: async (s) => bearer(await bad.token(s)),
    expect: { kind: '402-json' },
  })),
  ...BAD_TOKENS.slice(0, 3).map((bad): TableRow => ({
    name: `cookie token with ${bad.name}, browser → 402 HTML`,
    path: '/premium/doc',
    headers: async (s) => ({ ...html, cookie: `${scopeCookieName(SCOPE)}=${await bad.token(s)}` }),
    expect: { kind: '402-html' },
  })),
];
