import { z } from 'zod';

/** `typ` of a receipt's protected header: never mistaken for an access token (whose `typ` is JWT). */
export const RECEIPT_TYP = 'turnpike-receipt+jwt';

const seconds = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const atomic = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'atomic units as a decimal string');

/**
 * What a Turnpike payment receipt (a JWS, ES256, signed by the portal's token key and checked with
 * its JWKS) says: which payment was credited, to which site and resource, for how much of which
 * asset on which chain, and when. `jti` is the credit's id; `iat` the time it was credited, so
 * the same payment always has the same claims.
 */
export const receiptClaimsSchema = z.strictObject({
  iss: z.string().min(1),
  jti: z.string().min(1),
  iat: seconds,
  /** The site the payment was for (`default`: the config-file site). */
  site: z.string().min(1),
  /** Host and path scope the payment bought. */
  aud: z.string().min(1),
  resource: z.string().startsWith('/'),
  invoice: z.string().min(1),
  pay: z.strictObject({
    network: z.string().min(1),
    /** CAIP-2 chain id, when the network is still configured. */
    caip2: z.string().min(1).optional(),
    tx: z.string().min(1),
    /** Log index of an ERC-20 transfer; -1 a native transfer; 0 on Solana. */
    logIndex: z.number().int().min(-1),
    /** `native`, the token contract (lower-case) or the SPL mint. */
    asset: z.string().min(1),
    /** The asset's symbol and decimals, when it is still configured. */
    symbol: z.string().min(1).optional(),
    decimals: z.number().int().min(0).max(36).optional(),
    amount: atomic,
    /** The paying address, when the chain says who paid. */
    payer: z.string().min(1).optional(),
    /** Where the money went (receive address, x402 payTo or Solana reference). */
    payTo: z.string().min(1).optional(),
  }),
});

export type ReceiptClaims = z.output<typeof receiptClaimsSchema>;
