import { Interface, TypedDataEncoder, verifyTypedData } from 'ethers';
import { REASONS, type Erc20Asset, type EvmNetwork, type X402ExactEvmPayload } from '@turnpike/protocol';
import { ProofRefusal } from '../context.js';
import type { EvmReads } from '../evm/chain-reads.js';

/** EIP-3009 TransferWithAuthorization, as USDC (FiatTokenV2_2) defines it. */
export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

export const EIP3009_ABI = new Interface([
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'function DOMAIN_SEPARATOR() view returns (bytes32)',
  'function balanceOf(address account) view returns (uint256)',
  'function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)',
]);

export interface AuthorizationTerms {
  network: EvmNetwork;
  asset: Erc20Asset;
  /** Lower-case receive address. */
  payTo: string;
  amount: bigint;
  /** v2 `exact` wants the value exactly; v1 allowed more. */
  exactValue: boolean;
  minValiditySeconds: number;
  nowSeconds: number;
}

/**
 * The checks that need no chain: the EIP-712 signature recovers `from` (domain: the asset's
 * name and version, the chain id, the token contract), `to` is the receive address, the value
 * matches, and the validity window holds now and for a few more seconds.
 */
export function checkAuthorization(p: X402ExactEvmPayload, t: AuthorizationTerms): void {
  const a = p.authorization;
  if (a.to.toLowerCase() !== t.payTo)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the authorization pays another address');
  const value = BigInt(a.value);
  if (t.exactValue ? value !== t.amount : value < t.amount) {
    throw new ProofRefusal(
      REASONS.X402_VALUE_MISMATCH,
      `the authorization moves ${value}, the price is ${t.amount}`,
    );
  }
  if (BigInt(a.validAfter) > BigInt(t.nowSeconds))
    throw new ProofRefusal(REASONS.X402_AUTHORIZATION_NOT_YET_VALID, 'the authorization is not valid yet');
  if (BigInt(a.validBefore) < BigInt(t.nowSeconds + t.minValiditySeconds))
    throw new ProofRefusal(REASONS.X402_AUTHORIZATION_EXPIRED, 'the authorization has expired');
  let signer: string;
  try {
    signer = recoverSigner(p, t.network, t.asset);
  } catch (cause) {
    throw new ProofRefusal(REASONS.X402_SIGNATURE_INVALID, 'the signature does not parse', { cause });
  }
  // Smart-contract wallets (ERC-1271/6492) are not accepted: only an EOA's signature recovers.
  if (signer.toLowerCase() !== a.from.toLowerCase())
    throw new ProofRefusal(REASONS.X402_SIGNATURE_INVALID, 'the authorization is not signed by its payer');
}

/**
 * Whether the payer signed this authorization for this token (the EIP-712 domain names the token
 * contract): how an x402 v1 payment, which names no token, says which one it pays in.
 */
export function isSignedFor(p: X402ExactEvmPayload, network: EvmNetwork, asset: Erc20Asset): boolean {
  try {
    return recoverSigner(p, network, asset).toLowerCase() === p.authorization.from.toLowerCase();
  } catch {
    return false;
  }
}

/** The address whose key signed the authorization under this token's domain (throws when it does not parse). */
function recoverSigner(p: X402ExactEvmPayload, network: EvmNetwork, asset: Erc20Asset): string {
  const a = p.authorization;
  return verifyTypedData(
    {
      name: asset.eip712.name,
      version: asset.eip712.version,
      chainId: network.chainId,
      verifyingContract: asset.address,
    },
    TRANSFER_WITH_AUTHORIZATION_TYPES,
    {
      from: a.from,
      to: a.to,
      value: BigInt(a.value),
      validAfter: BigInt(a.validAfter),
      validBefore: BigInt(a.validBefore),
      nonce: a.nonce,
    },
    p.signature,
  );
}

/** The chain checks: the nonce is unused and the payer holds the value. */
export async function checkAuthorizationOnChain(
  p: X402ExactEvmPayload,
  asset: Erc20Asset,
  reads: EvmReads,
): Promise<void> {
  const a = p.authorization;
  const [used, balance] = await Promise.all([
    reads.call(asset.address, EIP3009_ABI.encodeFunctionData('authorizationState', [a.from, a.nonce])),
    reads.call(asset.address, EIP3009_ABI.encodeFunctionData('balanceOf', [a.from])),
  ]);
  if (EIP3009_ABI.decodeFunctionResult('authorizationState', used)[0] === true) {
    throw new ProofRefusal(REASONS.X402_NONCE_USED, 'this authorization has already been used or cancelled');
  }
  if ((EIP3009_ABI.decodeFunctionResult('balanceOf', balance)[0] as bigint) < BigInt(a.value)) {
    throw new ProofRefusal(REASONS.X402_INSUFFICIENT_BALANCE, 'the payer does not hold the amount');
  }
}

const domainChecked = new Map<string, Promise<void>>();

/**
 * Checks once per token that the configured EIP-712 domain (`eip712.name`/`version`) is the
 * contract's own `DOMAIN_SEPARATOR()`. A wrong name would make every client sign a domain the
 * token rejects: verification would pass and every settlement revert. A mismatch is logged by
 * the caller and refused; a failed read is retried on the next payment.
 */
export function checkTokenDomain(network: EvmNetwork, asset: Erc20Asset, reads: EvmReads): Promise<void> {
  const key = `${network.chainId}:${asset.address.toLowerCase()}:${asset.eip712.name}:${asset.eip712.version}`;
  let pending = domainChecked.get(key);
  if (!pending) {
    pending = (async () => {
      const onChain = EIP3009_ABI.decodeFunctionResult(
        'DOMAIN_SEPARATOR',
        await reads.call(asset.address, EIP3009_ABI.encodeFunctionData('DOMAIN_SEPARATOR', [])),
      )[0] as string;
      const configured = TypedDataEncoder.hashDomain({
        name: asset.eip712.name,
        version: asset.eip712.version,
        chainId: network.chainId,
        verifyingContract: asset.address,
      });
      if (onChain.toLowerCase() !== configured.toLowerCase()) {
        throw new ProofRefusal(
          REASONS.X402_SETTLE_FAILED,
          `the EIP-712 domain configured for ${asset.symbol} on ${network.name} ("${asset.eip712.name}"/"${asset.eip712.version}") is not the token's`,
        );
      }
    })();
    domainChecked.set(key, pending);
    pending.catch(() => domainChecked.delete(key));
  }
  return pending;
}
