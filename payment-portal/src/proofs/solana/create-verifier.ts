import type { PortalContext } from '../../context.js';
import type { SettleVerifier } from '../settle-verifiers.js';
import { createSolanaRpcClient, type SolanaRpcClient } from './rpc.js';
import { verifySolanaTxProof } from './verify-tx-proof.js';

export interface SolanaTxVerifierOptions {
  /** Per RPC call; default the network's `watchers.<name>.rpcTimeoutMs`, else 5000. */
  timeoutMs?: number;
  /** See SolanaVerifyDeps.clockSkewMs. */
  clockSkewMs?: number;
}

/**
 * The settle verifier for `{ type: 'tx' }` proofs on Solana networks, reading its RPC URLs from the
 * portal context (`ctx.rpcUrls`, filled from `watchers.<network>.rpcUrls`). The lead's `tx`
 * verifier dispatches here when `registry.get(proof.network)?.kind === 'solana'`.
 */
export function createSolanaTxVerifier(opts: SolanaTxVerifierOptions = {}): SettleVerifier {
  const clients = new Map<string, { urls: readonly string[]; client: SolanaRpcClient }>();
  const rpcFor = (ctx: PortalContext, network: string): SolanaRpcClient | undefined => {
    const urls = ctx.rpcUrls.get(network);
    if (!urls || urls.length === 0) return undefined;
    const cached = clients.get(network);
    if (cached && cached.urls === urls) return cached.client;
    const timeoutMs = opts.timeoutMs ?? ctx.config.watchers[network]?.rpcTimeoutMs ?? 5_000;
    const client = createSolanaRpcClient({
      urls,
      timeoutMs,
      onCall: (method, _url, ok) =>
        ctx.metrics.rpcCalls.inc({ network, method, outcome: ok ? 'ok' : 'error' }),
    });
    clients.set(network, { urls, client });
    return client;
  };
  return (request, ctx) => {
    // A site's Solana challenges pay its own wallet (docs/sites.md).
    const site = ctx.sites.resolve(request.host);
    return verifySolanaTxProof(
      {
        db: ctx.db,
        registry: ctx.registry,
        keys: ctx.keys,
        issuer: ctx.config.issuer,
        latePaymentUnlocks: ctx.config.invoice.latePaymentUnlocks,
        rpcFor: (network) => rpcFor(ctx, network),
        ...(opts.clockSkewMs === undefined ? {} : { clockSkewMs: opts.clockSkewMs }),
        logger: ctx.logger,
        challengeKey: ctx.sealKeys.challenge,
        solanaWallet: site.solanaWallet,
        siteId: site.id,
        onTokenIssued: () => ctx.metrics.tokensIssued.inc(),
        events: ctx.events,
      },
      request,
    );
  };
}
