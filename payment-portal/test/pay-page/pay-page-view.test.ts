import { createNetworkRegistry } from '@turnpike/protocol';
import type { InvoiceOfferRecord, InvoiceRecord } from '../../src/invoices/types.js';
import { toPayPageView } from '../../src/invoices/pay-page-view.js';
import { buildPaymentUri, renderPayPage } from '../../src/pay-page/index.js';
import { NONCE } from './fixtures.js';

const REFERENCE = '7ZnnAeP2y1aRRBkZ1zQz5pW3Ge1yVjT2Ck6J3M7u2LJx';
const ctx = {
  registry: createNetworkRegistry(),
  prefix: '/_402',
  confirmations: new Map<string, number>(),
  devPay: true,
  devChainId: 31337,
};

function offer(over: Partial<InvoiceOfferRecord>): InvoiceOfferRecord {
  return {
    id: '1',
    network: 'solana-devnet',
    assetSymbol: 'USDC',
    assetKind: 'spl',
    assetAddress: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
    decimals: 6,
    amountAtomic: 1_500_000n,
    payTo: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
    reference: REFERENCE,
    receivedAtomic: 0n,
    confirmedAtomic: 0n,
    ...over,
  };
}

const invoice = (offers: InvoiceOfferRecord[]): InvoiceRecord => ({
  id: 'inv_0123456789abcdef',
  siteId: 'default',
  host: 'shop.example',
  scheme: 'https',
  resource: '/report',
  originalUri: '/report?id=7',
  claims: {},
  tokenLifetimeMs: 3_600_000,
  requestDigest: 'd',
  source: 'pay_page',
  sessionHash: null,
  description: null,
  status: 'pending',
  createdAt: new Date('2030-01-01T12:00:00Z'),
  expiresAt: new Date('2030-01-01T12:15:00Z'),
  paidAt: null,
  redeemedAt: null,
  lateCredited: false,
  tokenJti: null,
  tokenExpiresAt: null,
  customization: {},
  offers,
});

describe('toPayPageView for the pay page', () => {
  const now = new Date('2030-01-01T12:01:00Z');
  const evm = offer({
    id: '2',
    network: 'base-sepolia',
    assetAddress: '0x036cbd53842c5426634e7929541ec2318f3dcf7e',
    assetKind: 'erc20',
    payTo: '0xc1d0e2ab0f6f8b7d3e6a4e5c5b9a1f2e3d4c5b6a',
    reference: null,
    amountAtomic: 1_000_000n,
  });
  const view = toPayPageView(invoice([offer({}), evm]), ctx, new Map(), now);

  it("passes a Solana offer's reference on, and into the Solana Pay URI the page shows", () => {
    expect(view.offers[0]?.reference).toBe(REFERENCE);
    expect(buildPaymentUri(view.offers[0]!)).toContain(`&reference=${REFERENCE}`);
    expect(renderPayPage(view, { nonce: NONCE })).toContain(`&amp;reference=${REFERENCE}`);
  });

  it('gives an EVM offer no reference, checksummed addresses and no dev pay off the dev chain', () => {
    expect(view.offers[1]).not.toHaveProperty('reference');
    expect(view.offers[1]?.payTo).toBe('0xC1d0E2Ab0f6F8b7d3E6a4E5C5b9a1F2e3D4C5b6a');
    expect(view.offers[1]?.asset.address).toBe('0x036CbD53842c5426634e7929541eC2318f3dCF7e');
    expect(view.devChain).toBe(false);
    expect(view.urls.devPay).toBeUndefined();
    expect(renderPayPage(view, { nonce: NONCE })).not.toContain('data-devpay');
  });
});

describe('the dev chain follows config dev.chainId', () => {
  // `npm start` runs anvil on 84532: an offer there is the local dev chain, with dev pay.
  const evm = offer({
    id: '3',
    network: 'base-sepolia',
    assetAddress: '0x036cbd53842c5426634e7929541ec2318f3dcf7e',
    assetKind: 'erc20',
    payTo: '0xc1d0e2ab0f6f8b7d3e6a4e5c5b9a1f2e3d4c5b6a',
    reference: null,
    amountAtomic: 1_000_000n,
  });
  const now = new Date('2030-01-01T12:01:00Z');

  it('labels an offer on dev.chainId "Local dev chain" and offers dev pay for it only', () => {
    const view = toPayPageView(invoice([offer({}), evm]), { ...ctx, devChainId: 84532 }, new Map(), now);
    expect(view.offers[1]).toMatchObject({ networkLabel: 'Local dev chain', devChain: true });
    expect(view.offers[0]).not.toHaveProperty('devChain');
    expect(view.devChain).toBe(true);
    expect(view.urls.devPay).toBe(`/_402/invoices/${view.invoice.id}/dev-pay`);
    expect(renderPayPage(view, { nonce: NONCE })).toContain('data-devpay="1"');
    expect(renderPayPage(view, { nonce: NONCE })).not.toContain('data-devpay="0"');
  });

  it('shows the same offer as Base Sepolia without dev pay when dev.chainId is 31337', () => {
    const view = toPayPageView(invoice([evm]), ctx, new Map(), now);
    expect(view.offers[0]).toMatchObject({ networkLabel: 'Base Sepolia' });
    expect(view.offers[0]).not.toHaveProperty('devChain');
    expect(view.urls.devPay).toBeUndefined();
  });
});
