import { z } from 'zod';
import { checksumEvmAddress, isSolanaAddress } from './address.js';

export const NETWORK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ASSET_SYMBOL = /^[A-Za-z0-9][A-Za-z0-9.$_-]{0,15}$/;

export const evmAddressSchema = z.string().transform((value, ctx) => {
  const address = checksumEvmAddress(value);
  if (address === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'not an EVM address (0x + 40 hex, valid EIP-55 checksum if mixed case)',
    });
    return z.NEVER;
  }
  return address;
});
export const solanaAddressSchema = z
  .string()
  .refine(isSolanaAddress, { message: 'not a Solana address (base58, 32 bytes)' });

const symbolSchema = z.string().regex(ASSET_SYMBOL, 'asset symbol: 1–16 of A-Z a-z 0-9 . $ _ -');
const decimalsSchema = z.number().int().min(0).max(36);
const explorerSchema = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
  .refine((v) => v.includes('{tx}'), { message: 'must contain the {tx} placeholder' });

export const erc20AssetSchema = z.strictObject({
  kind: z.literal('erc20'),
  symbol: symbolSchema,
  decimals: decimalsSchema,
  address: evmAddressSchema,
  eip712: z.strictObject({ name: z.string().min(1).max(64), version: z.string().min(1).max(16) }),
  /** How x402 `exact` moves it: EIP-3009 (default) or Permit2 (a token without EIP-3009). */
  assetTransferMethod: z.enum(['eip3009', 'permit2']).optional(),
});
export const splAssetSchema = z.strictObject({
  kind: z.literal('spl'),
  symbol: symbolSchema,
  decimals: decimalsSchema,
  mint: solanaAddressSchema,
});
export const nativeAssetSchema = z.strictObject({
  kind: z.literal('native'),
  symbol: symbolSchema,
  decimals: decimalsSchema,
});
export const assetSchema = z.discriminatedUnion('kind', [
  nativeAssetSchema,
  erc20AssetSchema,
  splAssetSchema,
]);

const common = {
  name: z.string().regex(NETWORK_NAME, 'network name: lowercase letters, digits and -'),
  x402V1Name: z.string().min(1).max(64).optional(),
  testnet: z.boolean(),
  explorerTxUrl: explorerSchema.optional(),
};

export const evmNetworkSchema = z
  .strictObject({
    ...common,
    kind: z.literal('evm'),
    caip2: z.string().regex(/^eip155:[1-9][0-9]{0,15}$/, 'CAIP-2 id eip155:<chainId>'),
    chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    nativeSymbol: symbolSchema,
    nativeDecimals: decimalsSchema,
    confirmations: z.number().int().min(0).max(10_000),
    tokens: z.record(z.string(), erc20AssetSchema),
  })
  .superRefine((n, ctx) => {
    if (n.caip2 !== `eip155:${n.chainId}`) {
      ctx.addIssue({
        code: 'custom',
        path: ['caip2'],
        message: `must be eip155:${n.chainId} (the chain id)`,
      });
    }
    checkTokenKeys(n.tokens, n.nativeSymbol, ctx);
  });

export const solanaNetworkSchema = z
  .strictObject({
    ...common,
    kind: z.literal('solana'),
    caip2: z
      .string()
      .regex(/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/, 'CAIP-2 id solana:<32 chars of genesis hash>'),
    commitment: z.enum(['processed', 'confirmed', 'finalized']),
    nativeSymbol: z.literal('SOL'),
    nativeDecimals: z.literal(9),
    tokens: z.record(z.string(), splAssetSchema),
  })
  .superRefine((n, ctx) => checkTokenKeys(n.tokens, n.nativeSymbol, ctx));

export const networkSchema = z.discriminatedUnion('kind', [evmNetworkSchema, solanaNetworkSchema]);

function checkTokenKeys(
  tokens: Record<string, { symbol: string }>,
  nativeSymbol: string,
  ctx: z.RefinementCtx,
): void {
  for (const [key, token] of Object.entries(tokens)) {
    if (token.symbol !== key) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokens', key, 'symbol'],
        message: `must equal its key "${key}"`,
      });
    }
    if (key.toLowerCase() === nativeSymbol.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['tokens', key], message: 'clashes with the native symbol' });
    }
  }
}
