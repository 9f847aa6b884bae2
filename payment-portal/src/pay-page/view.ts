/**
 * The state the pay page shows, and the JSON variant of `/_402/invoices/:id` for programs.
 * The portal builds it from an invoice; the pay page only renders it (it never reads storage).
 * All strings are untrusted as far as HTML goes: the renderer escapes every one of them.
 */
export interface PayPageView {
  invoice: {
    id: string;
    status: 'pending' | 'seen' | 'confirming' | 'paid' | 'redeemed' | 'expired';
    expiresAt: string;
    host: string;
    resource: string;
    description?: string;
    returnUrl: string;
    lateCredited?: boolean;
  };
  offers: Array<{
    network: string;
    networkLabel: string;
    caip2: string;
    chainId?: number;
    kind: 'evm' | 'solana';
    asset: {
      symbol: string;
      kind: 'native' | 'erc20' | 'spl';
      decimals: number;
      address?: string;
      mint?: string;
    };
    amount: string;
    atomic: string;
    payTo: string;
    /** Solana Pay reference key the portal watches for (Solana offers only). */
    reference?: string;
    received: string;
    remaining: string;
    confirmations: { have: number; need: number };
    /** On the local dev chain (config dev.chainId): the only offers with a dev-pay control. */
    devChain?: true;
  }>;
  customization: { css?: string; js?: string; image?: string };
  /** The site's branding (docs/sites.md): its name, logo and colours; absent for the config's site. */
  branding?: { name?: string; logoUrl?: string; accent?: string; background?: string };
  urls: { state: string; events: string; complete: string; receipt?: string; devPay?: string };
  devChain: boolean;
}

/** One payment option of the page. */
export type PayPageOffer = PayPageView['offers'][number];

/** The invoice states, in the order a payment moves through them. */
export type PayPageStatus = PayPageView['invoice']['status'];
