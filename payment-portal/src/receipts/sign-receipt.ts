import { RECEIPT_TYP, type NetworkRegistry, type ReceiptClaims } from '@turnpike/protocol';
import { SignJWT } from 'jose';
import { assetLabel } from '../events/asset-label.js';
import type { SigningKeySet } from '../tokens/signing-keys.js';
import type { CreditedPayment } from './credited-payments.js';

/** A signed receipt and the claims it carries. */
export interface SignedReceipt {
  receipt: string;
  claims: ReceiptClaims;
}

/** The receipt's claims: fixed by the credited payment alone, so every copy says the same. */
export function receiptClaims(
  payment: CreditedPayment,
  ctx: { issuer: string; registry: NetworkRegistry },
): ReceiptClaims {
  const label = assetLabel(ctx.registry, payment.network, payment.asset);
  const caip2 = ctx.registry.get(payment.network)?.caip2;
  return {
    iss: ctx.issuer,
    jti: payment.id,
    iat: Math.floor(payment.creditedAt.getTime() / 1000),
    site: payment.siteId,
    aud: payment.host,
    resource: payment.resource,
    invoice: payment.invoiceId,
    pay: {
      network: payment.network,
      ...(caip2 === undefined ? {} : { caip2 }),
      tx: payment.txHash,
      logIndex: payment.logIndex,
      asset: payment.asset,
      ...(label === undefined ? {} : { symbol: label.symbol, decimals: label.decimals }),
      amount: payment.amountAtomic.toString(),
      ...(payment.payer === null ? {} : { payer: payment.payer }),
      ...(payment.payTo === null ? {} : { payTo: payment.payTo }),
    },
  };
}

/**
 * Signs a payment's receipt (ES256, the token key's `kid`, `typ` {@link RECEIPT_TYP}): anyone can
 * check it against the portal's JWKS, and its `typ` keeps it from ever passing as an access token.
 */
export async function signReceipt(
  keys: SigningKeySet,
  payment: CreditedPayment,
  ctx: { issuer: string; registry: NetworkRegistry },
): Promise<SignedReceipt> {
  const claims = receiptClaims(payment, ctx);
  const receipt = await new SignJWT(claims as never)
    .setProtectedHeader({ alg: 'ES256', kid: keys.current.kid, typ: RECEIPT_TYP })
    .sign(keys.current.privateKey);
  return { receipt, claims };
}
