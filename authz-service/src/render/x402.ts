import type { ChallengeOffer, NetworkRegistry } from '@turnpike/protocol';

export interface X402Context {
  registry: NetworkRegistry;
  /** The requested resource's URL, `${scheme}://${host}${uri}`. */
  resourceUrl: string;
  description: string;
  mimeType: string;
  maxTimeoutSeconds: number;
  /**
   * A secret for this 402's requester, in every requirement's `extra.challenge`: a v2 client echoes
   * the requirement it accepted, and the portal binds the payment to the secret (the authorization
   * itself is public once settled), so presenting the payment again is the requester's alone.
   */
  secret: string;
  /**
   * x402 `exact` on Solana: the portal's fee payer (`extra.feePayer`) and this requester's memo
   * (`extra.memo`, x402SvmMemo of `secret`), which the payer's transaction must carry. Absent: no
   * Solana requirement is listed.
   */
  svm?: { feePayer: string; memo: string } | undefined;
}

/** `extra` of an EVM requirement: the token's EIP-712 domain and the requester's secret. */
export interface X402EvmExtra {
  name: string;
  version: string;
  challenge: string;
  /** `permit2` for a token without EIP-3009 (x402's default, `eip3009`, is left out). */
  assetTransferMethod?: 'permit2';
}

/** `extra` of a Solana requirement (scheme_exact_svm.md) with the requester's secret. */
export interface X402SvmExtra {
  feePayer: string;
  memo: string;
  challenge: string;
}

export interface X402V2Requirement {
  scheme: 'exact';
  network: string;
  amount: string;
  asset: string;
  payTo: string;
  maxTimeoutSeconds: number;
  extra: X402EvmExtra | X402SvmExtra;
}

export interface X402V1Requirement {
  scheme: 'exact';
  network: string;
  maxAmountRequired: string;
  asset: string;
  payTo: string;
  resource: string;
  description: string;
  mimeType: string;
  maxTimeoutSeconds: number;
  extra: X402EvmExtra;
}

export interface X402Terms {
  v2: X402V2Requirement[];
  v1: X402V1Requirement[];
}

/**
 * The x402 `exact` terms for a challenge. EVM ERC-20 offers qualify (x402 exact settles with
 * EIP-3009 `transferWithAuthorization`, which native coins and most tokens lack), and SPL offers on
 * Solana when the portal has a fee payer (v2 only: the portal's Solana settlement needs the
 * requester's secret, which only v2 clients echo); v1 lists only networks that have an x402 v1 name.
 */
export function x402Terms(challengeOffers: readonly ChallengeOffer[], ctx: X402Context): X402Terms {
  const v2: X402V2Requirement[] = [];
  const v1: X402V1Requirement[] = [];
  for (const c of challengeOffers) {
    const { asset } = c;
    if (asset.kind === 'spl' && asset.mint !== undefined && ctx.svm !== undefined) {
      if (ctx.registry.get(c.network)?.kind !== 'solana') continue;
      v2.push({
        scheme: 'exact',
        network: c.caip2,
        amount: c.atomic,
        asset: asset.mint,
        payTo: c.payTo,
        maxTimeoutSeconds: ctx.maxTimeoutSeconds,
        extra: { feePayer: ctx.svm.feePayer, memo: ctx.svm.memo, challenge: ctx.secret },
      });
      continue;
    }
    if (asset.kind !== 'erc20' || asset.address === undefined || asset.eip712 === undefined) continue;
    const network = ctx.registry.get(c.network);
    if (network === undefined || network.kind !== 'evm') continue;
    const permit2 = asset.assetTransferMethod === 'permit2';
    const extra: X402EvmExtra = {
      name: asset.eip712.name,
      version: asset.eip712.version,
      challenge: ctx.secret,
      ...(permit2 ? { assetTransferMethod: 'permit2' as const } : {}),
    };
    v2.push({
      scheme: 'exact',
      network: network.caip2,
      amount: c.atomic,
      asset: asset.address,
      payTo: c.payTo,
      maxTimeoutSeconds: ctx.maxTimeoutSeconds,
      extra,
    });
    // x402 v1 clients know only EIP-3009.
    if (network.x402V1Name !== undefined && !permit2) {
      v1.push({
        scheme: 'exact',
        network: network.x402V1Name,
        maxAmountRequired: c.atomic,
        asset: asset.address,
        payTo: c.payTo,
        resource: ctx.resourceUrl,
        description: ctx.description,
        mimeType: ctx.mimeType,
        maxTimeoutSeconds: ctx.maxTimeoutSeconds,
        extra,
      });
    }
  }
  return { v2, v1 };
}
