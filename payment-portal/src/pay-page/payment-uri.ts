import type { PayPageOffer } from './view.js';

/** Extra fields a Solana Pay URI may carry. */
export interface PaymentUriOptions {
  /** Solana Pay reference key(s) (base58 public keys) the portal watches for; defaults to the offer's. */
  reference?: string | string[];
  /** Shown by the wallet as who asks to be paid (Solana Pay `label`). */
  label?: string;
  /** Shown by the wallet as what is paid for (Solana Pay `message`). */
  message?: string;
}

/**
 * The URI a wallet app opens (and the QR code carries) for one offer:
 * EIP-681 for EVM chains (native `value=` or the ERC-20 `transfer` form), Solana Pay for Solana.
 */
export function buildPaymentUri(offer: PayPageOffer, opts: PaymentUriOptions = {}): string {
  return offer.kind === 'evm' ? evmUri(offer) : solanaUri(offer, opts);
}

const isZero = (decimal: string): boolean => /^0*(\.0*)?$/.test(decimal.trim());

/** Whole units (a decimal string) to atomic units, exactly. */
function toAtomic(decimal: string, decimals: number): bigint {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(decimal.trim());
  const fraction = match?.[2] ?? '';
  if (!match || fraction.length > decimals)
    throw new TypeError(`not an amount of ${decimals} decimals: ${decimal}`);
  return BigInt(match[1] || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

/**
 * The offer as it should be paid now: after a partial payment, what is left (so the QR code and
 * the wallet link ask for the rest, not the whole price again); otherwise the offer as is.
 */
export function dueOffer(offer: PayPageOffer): PayPageOffer {
  if (isZero(offer.received) || isZero(offer.remaining)) return offer;
  return {
    ...offer,
    amount: offer.remaining,
    atomic: toAtomic(offer.remaining, offer.asset.decimals).toString(),
  };
}

function evmUri(offer: PayPageOffer): string {
  const chain = offer.chainId === undefined ? '' : `@${offer.chainId}`;
  if (offer.asset.kind === 'erc20') {
    if (offer.asset.address === undefined)
      throw new TypeError(`offer ${offer.network}: ERC-20 without a contract address`);
    const query = new URLSearchParams({ address: offer.payTo, uint256: offer.atomic });
    return `ethereum:${offer.asset.address}${chain}/transfer?${query.toString()}`;
  }
  return `ethereum:${offer.payTo}${chain}?${new URLSearchParams({ value: offer.atomic }).toString()}`;
}

function solanaUri(offer: PayPageOffer, opts: PaymentUriOptions): string {
  // Solana Pay wants percent-encoding (%20), not the form encoding (+) URLSearchParams writes.
  const params: Array<[string, string]> = [['amount', offer.amount]];
  if (offer.asset.kind === 'spl') {
    if (offer.asset.mint === undefined)
      throw new TypeError(`offer ${offer.network}: SPL token without a mint`);
    params.push(['spl-token', offer.asset.mint]);
  }
  const chosen = opts.reference ?? offer.reference;
  const references = chosen === undefined ? [] : [chosen].flat();
  for (const ref of references) params.push(['reference', ref]);
  if (opts.label !== undefined) params.push(['label', opts.label]);
  if (opts.message !== undefined) params.push(['message', opts.message]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `solana:${offer.payTo}?${query}`;
}
