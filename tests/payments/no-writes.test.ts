/**
 * DESIGN invariant 6: no 402 writes anything. The real payment-portal (PGlite) and the real
 * authorizer in-process: thousands of API 402s (each with a sealed challenge and a never-used
 * address) and browser 402s (sealed pay links) leave every table's row count as it was. The only
 * write they cause is the UPDATE of the challenge index cursor once per leased block; the buffer
 * here is small, so that UPDATE runs many times during the test. A route accepting unbound
 * transaction proofs — whose API 402 the portal does record — shows the count catches a write.
 */
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { createLogger } from '@turnpike/protocol/service';
import { startRealPortal, type RealPortal } from '../gateways/real-portal.js';
import { request402s } from '../support/request-402s.js';
import { changedCounts, countRows } from '../support/row-counts.js';
import { createTestSigner, type TestSigner } from '../support/tokens.js';
import { DEFAULT_PRICE } from '../support/upstream.js';

const HOST = 'shop.test';
const ISSUER = 'https://shop.test/_402';
const PORTAL_TOKEN_ENV = 'TURNPIKE_TEST_PORTAL_TOKEN';
const API_402S = 2_000;
const BROWSER_402S = 200;
const CHALLENGE_BRANCH = 1;
/** Small, so the 2,000 API 402s lease several blocks while they run. */
const BUFFER = { addressBuffer: 512, leaseSize: 256 };

let signer: TestSigner;
let portal: RealPortal;
let authz: AuthzServiceHandle;

const forwardAuth = (path: string, accept: string) => ({
  url: `http://127.0.0.1:${authz.httpPort}/v1/forward-auth`,
  headers: {
    'X-Forwarded-Method': 'GET',
    'X-Forwarded-Uri': path,
    'X-Forwarded-Host': HOST,
    'X-Forwarded-Proto': 'https',
    Accept: accept,
  },
});

async function challengeCursor(): Promise<number> {
  const { rows } = await portal.portal.db.query<{ next_index: string }>(
    'SELECT next_index FROM address_index_cursors WHERE branch = $1',
    [CHALLENGE_BRANCH],
  );
  expect(rows).toHaveLength(1);
  return Number(rows[0]!.next_index);
}

beforeAll(async () => {
  signer = await createTestSigner({ issuer: ISSUER });
  portal = await startRealPortal(signer, { network: DEFAULT_PRICE.payment.requests[0]!.network });
  const { config } = await loadAuthzConfig({
    env: { [PORTAL_TOKEN_ENV]: portal.internalToken },
    base: {
      listeners: { host: '127.0.0.1', httpPort: 0 },
      issuer: ISSUER,
      jwks: { file: signer.jwksFile },
      routes: [
        { name: 'reports', hosts: [HOST], paths: ['/reports/**'], request: DEFAULT_PRICE },
        {
          name: 'unbound',
          hosts: [HOST],
          paths: ['/unbound/**'],
          request: { ...DEFAULT_PRICE, proofs: { tx: { unbound: 'allow' } } },
        },
      ],
      portal: { internalUrl: portal.internalUrl, token: { fromEnv: PORTAL_TOKEN_ENV } },
      challenges: BUFFER,
      logLevel: 'silent',
    },
  });
  authz = await startAuthzService(config, { logger: createLogger({ name: 'authz-test', level: 'silent' }) });
  // The first lease creates the challenge branch's cursor row (once per wallet, ever): before counting.
  await authz.challengeAddresses.fill(1);
}, 60_000);

afterAll(async () => {
  await authz?.close();
  await portal?.close();
  signer?.cleanup();
});

it(`${API_402S} API 402s and ${BROWSER_402S} browser 402s leave every table's row count unchanged`, async () => {
  // The payee arrives in the background after start: wait for the first API 402.
  for (let i = 0; ; i++) {
    const first = await request402s({
      ...forwardAuth('/reports/warm-up', 'application/json'),
      kind: 'api',
      count: 1,
      concurrency: 1,
    }).catch((err: unknown) => err as Error);
    if (!(first instanceof Error)) break;
    if (i === 50) throw first;
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = await countRows(portal.portal.db);
  const cursorBefore = await challengeCursor();

  const api = await request402s({
    ...forwardAuth('/reports/q3?format=json', 'application/json'),
    kind: 'api',
    count: API_402S,
    concurrency: 16,
  });
  await request402s({
    ...forwardAuth('/reports/q3', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8'),
    kind: 'browser',
    count: BROWSER_402S,
    concurrency: 8,
  });
  const after = await countRows(portal.portal.db);

  expect(changedCounts(before, after)).toEqual([]);
  // The counted tables are the portal's own (not an empty or wrong database).
  expect(Object.keys(before)).toEqual(
    expect.arrayContaining(['public.invoices', 'public.challenge_addresses', 'public.address_index_cursors']),
  );
  expect(api.distinctChallenges).toBe(API_402S);
  expect(api.distinctAddresses).toBe(API_402S);
  // The addresses came from leases made during the run: the cursor's UPDATE was the only write.
  expect((await challengeCursor()) - cursorBefore).toBeGreaterThanOrEqual(API_402S - BUFFER.addressBuffer);
});

it('the count sees the write of a 402 the portal records (a route accepting unbound tx proofs)', async () => {
  const before = await countRows(portal.portal.db);
  await request402s({
    ...forwardAuth('/unbound/doc', 'application/json'),
    kind: 'api',
    count: 1,
    concurrency: 1,
  });
  const changed = changedCounts(before, await countRows(portal.portal.db)).map((c) => c.table);
  expect(changed).toEqual(expect.arrayContaining(['public.invoices', 'public.invoice_offers']));
});
