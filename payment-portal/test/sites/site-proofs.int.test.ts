// A payment proof is checked against the site its challenge was sealed for (docs/sites.md): the
// challenge names the site (`st`) and its wallet; the portal credits it only while the host still
// belongs to that site, re-deriving the address from that site's xpub, and the token it issues
// carries the site. Real portal (PGlite), anvil with Circle's USDC, the authorizer's own minting.
import { HDNodeWallet } from 'ethers';
import { decodeJwt } from 'jose';
import {
  deriveSealKeys,
  fromWire,
  PORTAL_API_PATHS,
  REASONS,
  settleResponseSchema,
  sitesResponseSchema,
  type ChallengeClaims,
} from '@turnpike/protocol';
import { createAddressSource } from '../../../authz-service/src/challenges/address-source.js';
import { mintChallenge } from '../../../authz-service/src/challenges/mint-challenge.js';
import { createPortalClient } from '../../../authz-service/src/portal/client.js';
import { DEV_MNEMONIC } from '../../../tests/support/anvil.js';
import { walletIdOf } from '../../src/addresses/xpub-deriver.js';
import { mine, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

const XPUB_B = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/2'").neuter().extendedKey;
const HOST = 'b.example';

let chain: ChainFixture;
let p: PortalFixture;

beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, { admin: true });
}, 60_000);
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

/** Seals a challenge for HOST as the authorizer does for `site` (absent: the config's site). */
async function seal(site?: string) {
  const client = createPortalClient({
    baseUrl: p.portal.internalUrl,
    token: p.internalToken,
    timeoutMs: 5_000,
  });
  const sites = await client.sites();
  if (sites === 'unchanged') throw new Error('asked without a version');
  const payee = sites.sites.find((s) => s.id === (site ?? 'default'))!.payee;
  const addresses = createAddressSource({
    portal: { leaseAddresses: (count) => client.leaseAddresses(count, site) },
    bufferSize: 2,
    leaseSize: 1,
  });
  const request = fromWire(p.wire(), p.portal.context.registry);
  const minted = await mintChallenge(
    {
      host: HOST,
      scheme: 'https',
      path: '/premium',
      query: '',
      originalUri: '/premium',
      request,
      source: 'upstream',
      ...(site === undefined ? {} : { site }),
    },
    { key: deriveSealKeys(p.internalToken).challenge, registry: p.portal.context.registry, payee, addresses },
  );
  const claims = JSON.parse(
    Buffer.from(minted!.id.split('.')[0]!, 'base64url').toString(),
  ) as ChallengeClaims;
  const usdc = minted!.offers.find((o) => o.network === 'anvil' && o.asset.symbol === 'USDC')!;
  return { id: minted!.id, claims, payTo: usdc.payTo, atomic: BigInt(usdc.atomic) };
}

async function payAndSettle(c: Awaited<ReturnType<typeof seal>>) {
  const tx = await chain.usdc.transfer(chain.payer, c.payTo, c.atomic);
  await mine(chain, 1);
  const res = await p.internal(PORTAL_API_PATHS.settle, {
    host: HOST,
    scheme: 'https',
    resource: '/premium',
    originalUri: '/premium',
    request: p.wire(),
    proof: { type: 'tx', network: 'anvil', tx, challenge: c.id },
    client: { ip: '203.0.113.9' },
  });
  return { tx, answer: settleResponseSchema.parse(await res.json()) };
}

const invoicesOf = async (tx: string) =>
  (
    await p.portal.db.query<{ site_id: string }>(
      'SELECT i.site_id FROM payments y JOIN invoices i ON i.id = y.invoice_id WHERE y.tx_hash = $1',
      [tx.toLowerCase()],
    )
  ).rows;

test("a challenge sealed for the default site is refused once the host is another site's", async () => {
  const sealedBefore = await seal();
  expect(sealedBefore.claims.st).toBeUndefined();
  expect(
    (await p.admin('/sites', { body: { id: 'proof-b', hosts: [HOST], wallets: { evm: { xpub: XPUB_B } } } }))
      .status,
  ).toBe(201);
  const { tx, answer } = await payAndSettle(sealedBefore);
  expect(answer).toMatchObject({ ok: false, reason: REASONS.PAYMENT_SITE_MISMATCH });
  expect(await invoicesOf(tx)).toEqual([]);
});

test("a site's challenge pays its own wallet, and its token carries the site", async () => {
  const c = await seal('proof-b');
  expect(c.claims).toMatchObject({ st: 'proof-b', w: walletIdOf(XPUB_B) });
  const { tx, answer } = await payAndSettle(c);
  expect(answer.ok).toBe(true);
  if (!answer.ok) return;
  expect(decodeJwt(answer.token)).toMatchObject({ aud: HOST, site: 'proof-b' });
  expect(await invoicesOf(tx)).toEqual([{ site_id: 'proof-b' }]);
});

test("a challenge of a site disabled since is refused (the host is the default site's again)", async () => {
  const c = await seal('proof-b');
  expect((await p.admin('/sites/proof-b/disable', { method: 'POST' })).status).toBe(200);
  const { tx, answer } = await payAndSettle(c);
  expect(answer).toMatchObject({ ok: false, reason: REASONS.PAYMENT_SITE_MISMATCH });
  expect(await invoicesOf(tx)).toEqual([]);
  // The sites list the authorizers read no longer has it.
  const listed = sitesResponseSchema.parse(
    await (
      await fetch(`${p.portal.internalUrl}${PORTAL_API_PATHS.sites}`, {
        headers: { authorization: `Bearer ${p.internalToken}` },
      })
    ).json(),
  );
  expect(listed.sites.map((s) => s.id)).toEqual(['default']);
});
