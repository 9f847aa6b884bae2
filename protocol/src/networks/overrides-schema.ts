import { z } from 'zod';
import { DEFAULT_NETWORKS } from './defaults.js';
import { mergeNetworkOverrides } from './merge.js';
import { evmAddressSchema, NETWORK_NAME, solanaAddressSchema } from './schemas.js';

const tokenOverrideSchema = z.strictObject({
  kind: z.enum(['erc20', 'spl']).optional(),
  symbol: z.string().optional(),
  decimals: z.number().optional(),
  address: evmAddressSchema.optional(),
  mint: solanaAddressSchema.optional(),
  eip712: z.strictObject({ name: z.string().optional(), version: z.string().optional() }).optional(),
});

/** One entry of `networks:` in config: a new network, or fields replacing a built-in's. */
export const networkOverrideSchema = z.strictObject({
  kind: z.enum(['evm', 'solana']).optional(),
  caip2: z.string().optional(),
  chainId: z.number().optional(),
  nativeSymbol: z.string().optional(),
  nativeDecimals: z.number().optional(),
  confirmations: z.number().optional(),
  commitment: z.enum(['processed', 'confirmed', 'finalized']).optional(),
  tokens: z.record(z.string(), tokenOverrideSchema).optional(),
  x402V1Name: z.string().optional(),
  testnet: z.boolean().optional(),
  explorerTxUrl: z.string().optional(),
});

/**
 * `networks:` in config: name → partial network. Each entry is merged over the built-in of that
 * name (if any) and the result validated in full, so every problem is reported with its path;
 * chain ids, CAIP-2 ids and x402 v1 names must stay unique across the registry.
 */
export const networkOverridesSchema = z
  .record(
    z.string().regex(NETWORK_NAME, 'network name: lowercase letters, digits and -'),
    networkOverrideSchema,
  )
  .superRefine((overrides, ctx) => {
    const { issues } = mergeNetworkOverrides(DEFAULT_NETWORKS, overrides);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type NetworkOverride = z.input<typeof networkOverrideSchema>;
export type NetworkOverrides = z.input<typeof networkOverridesSchema>;
