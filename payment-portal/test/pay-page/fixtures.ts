import type { PayPageOffer, PayPageView } from '../../src/pay-page/index.js';

/** A CSP nonce of the shape the portal makes (18 random bytes, base64). */
export const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';

/** USDC on the local dev chain, as toPayPageView builds it (checksummed addresses). */
export function usdcOffer(over: Partial<PayPageOffer> = {}): PayPageOffer {
  return {
    network: 'anvil',
    networkLabel: 'Local dev chain',
    caip2: 'eip155:31337',
    chainId: 31337,
    devChain: true,
    kind: 'evm',
    asset: {
      symbol: 'USDC',
      kind: 'erc20',
      decimals: 6,
      address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    },
    amount: '1',
    atomic: '1000000',
    payTo: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94',
    received: '0',
    remaining: '1',
    confirmations: { have: 0, need: 2 },
    ...over,
  };
}

/** ETH on the local dev chain. */
export function ethOffer(over: Partial<PayPageOffer> = {}): PayPageOffer {
  return {
    network: 'anvil',
    networkLabel: 'Local dev chain',
    caip2: 'eip155:31337',
    chainId: 31337,
    devChain: true,
    kind: 'evm',
    asset: { symbol: 'ETH', kind: 'native', decimals: 18 },
    amount: '0.001',
    atomic: '1000000000000000',
    payTo: '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0',
    received: '0',
    remaining: '0.001',
    confirmations: { have: 0, need: 2 },
    ...over,
  };
}

/** USDC on Base Sepolia: a real chain, so never a dev-pay control. */
export function baseOffer(over: Partial<PayPageOffer> = {}): PayPageOffer {
  const { devChain: _onlyOnTheDevChain, ...offer } = usdcOffer({
    network: 'base-sepolia',
    networkLabel: 'Base Sepolia',
    caip2: 'eip155:84532',
    chainId: 84532,
    asset: {
      symbol: 'USDC',
      kind: 'erc20',
      decimals: 6,
      address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    },
    payTo: '0xC1d0E2Ab0f6F8b7d3E6a4E5C5b9a1F2e3D4C5b6a',
  });
  return { ...offer, ...over };
}

/** USDC on Solana devnet, paid to the merchant wallet and bound by a reference key. */
export function solanaOffer(over: Partial<PayPageOffer> = {}): PayPageOffer {
  return {
    network: 'solana-devnet',
    networkLabel: 'Solana Devnet',
    caip2: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
    kind: 'solana',
    asset: {
      symbol: 'USDC',
      kind: 'spl',
      decimals: 6,
      mint: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
    },
    amount: '1.5',
    atomic: '1500000',
    payTo: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
    reference: '7ZnnAeP2y1aRRBkZ1zQz5pW3Ge1yVjT2Ck6J3M7u2LJx',
    received: '0',
    remaining: '1.5',
    confirmations: { have: 0, need: 0 },
    ...over,
  };
}

/** A pending invoice on the dev chain with USDC and ETH, dev-pay on (what `npm start` shows). */
export function devView(
  over: Partial<PayPageView> = {},
  expiresAt = '2030-01-01T12:15:00.000Z',
): PayPageView {
  const base = '/_402/invoices/inv_0123456789abcdef';
  return {
    invoice: {
      id: 'inv_0123456789abcdef',
      status: 'pending',
      expiresAt,
      host: 'localhost:8080',
      resource: '/premium',
      description: 'Premium article',
      returnUrl: 'http://localhost:8080/premium',
    },
    offers: [usdcOffer(), ethOffer()],
    customization: {},
    urls: {
      state: base,
      events: `${base}/events`,
      complete: `${base}/complete`,
      devPay: `${base}/dev-pay`,
    },
    devChain: true,
    ...over,
  };
}

/** The same invoice with its status and the first offer changed. */
export function withStatus(
  status: PayPageView['invoice']['status'],
  first: Partial<PayPageOffer> = {},
): PayPageView {
  const view = devView();
  return {
    ...view,
    invoice: { ...view.invoice, status },
    offers: [usdcOffer(first), ethOffer()],
  };
}
