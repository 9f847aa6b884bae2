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
  assetTransferMethod: z.enum(['eip3009', 'permit2']).optional(),
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

export type NetworkOverride = z.input<typeof networkOverrideSchema>;
/** `null` removes the built-in of that name (so a local chain can take its chain id). */
export type NetworkOverrides = Record<string, NetworkOverride | null>;
type ParsedOverride = z.output<typeof networkOverrideSchema>;

const nameSchema = z.string().regex(NETWORK_NAME, 'network name: lowercase letters, digits and -');

/**
 * `networks:` in config: name → partial network. Each entry is merged over the built-in of that
 * name (if any) and the result validated in full; every problem is reported at once with its
 * path. Chain ids and CAIP-2 ids (and x402 v1 names) must stay unique across the registry. An
 * entry `null` removes the built-in of that name: the dev stack's anvil runs on base-sepolia's
 * chain id (x402 v1 clients sign only for chains in their table) and removes `base-sepolia`.
 */
export const networkOverridesSchema = z.record(z.string(), z.unknown()).transform((raw, ctx) => {
  const parsed: Record<string, ParsedOverride | null> = {};
  let failed = false;
  const report = (path: PropertyKey[], message: string) => {
    failed = true;
    ctx.addIssue({ code: 'custom', path, message });
  };
  for (const [name, value] of Object.entries(raw)) {
    const n = nameSchema.safeParse(name);
    if (!n.success) report([name], n.error.issues[0]?.message ?? 'invalid network name');
    if (value === null) {
      if (Object.hasOwn(DEFAULT_NETWORKS, name)) parsed[name] = null;
      else report([name], `null removes a built-in network, and there is no built-in "${name}"`);
      continue;
    }
    const entry = networkOverrideSchema.safeParse(value);
    if (!entry.success) {
      for (const issue of entry.error.issues) report([name, ...issue.path], issue.message);
      continue;
    }
    if (n.success) parsed[name] = entry.data;
  }
  for (const issue of mergeNetworkOverrides(DEFAULT_NETWORKS, parsed).issues)
    report(issue.path, issue.message);
  return failed ? z.NEVER : parsed;
});
