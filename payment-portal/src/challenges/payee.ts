import type { NetworkRegistry, PayeeResponse } from '@turnpike/protocol';
import { ADDRESS_BRANCH, type XpubDeriver } from '../addresses/xpub-deriver.js';

/** The settings of the portal's config the payee description depends on. */
export interface PayeeSettings {
  /** `proofs.tx.enabled` */
  txProofs: boolean;
  /** `proofs.x402.enabled` (a relayer or a facilitator settles) */
  x402: boolean;
  /** `wallets.solana.address` */
  solanaWallet: string | undefined;
  /** The x402 Solana fee payer's address (`proofs.x402.solana.feePayerKey`), when configured. */
  solanaFeePayer?: string | undefined;
  /** `invoice.expiryMinutes`, in seconds */
  challengeTtlSeconds: number;
}

/**
 * What this portal can be paid with, as the authorizer's stateless 402s need it: transaction
 * proofs on every network it has RPC endpoints for (and a wallet for: EVM challenge addresses need
 * the xpub, Solana offers the owner's wallet), x402 `exact` on EVM networks with an EIP-3009 token
 * to the fixed `<xpub>/2/0` address, x402 `exact` on Solana networks with an SPL token (paying the
 * owner's wallet, the portal's fee payer co-signing), and how long a challenge stays payable.
 */
export function describePayee(
  settings: PayeeSettings,
  deps: {
    registry: NetworkRegistry;
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    deriver: XpubDeriver | undefined;
  },
): PayeeResponse {
  const { solanaWallet } = settings;
  const txNetworks: string[] = [];
  const x402Networks: string[] = [];
  const x402SvmNetworks: string[] = [];
  for (const name of deps.rpcUrls.keys()) {
    const network = deps.registry.get(name);
    if (network === undefined) continue;
    if (network.kind === 'evm' && deps.deriver !== undefined) {
      if (settings.txProofs) txNetworks.push(name);
      if (settings.x402 && Object.values(network.tokens).some((t) => t.kind === 'erc20'))
        x402Networks.push(name);
    }
    if (network.kind === 'solana' && solanaWallet !== undefined && settings.txProofs) txNetworks.push(name);
    if (
      network.kind === 'solana' &&
      solanaWallet !== undefined &&
      settings.solanaFeePayer !== undefined &&
      Object.keys(network.tokens).length > 0
    )
      x402SvmNetworks.push(name);
  }
  const payee: PayeeResponse = { txNetworks, challengeTtlSeconds: settings.challengeTtlSeconds };
  if (deps.deriver !== undefined) payee.evm = { walletId: deps.deriver.walletId };
  if (solanaWallet !== undefined) payee.solana = { wallet: solanaWallet };
  if (deps.deriver !== undefined && x402Networks.length > 0)
    payee.x402 = { payTo: deps.deriver.address([ADDRESS_BRANCH.x402, 0]), networks: x402Networks };
  if (settings.solanaFeePayer !== undefined && x402SvmNetworks.length > 0)
    payee.x402Svm = { feePayer: settings.solanaFeePayer, networks: x402SvmNetworks };
  return payee;
}
