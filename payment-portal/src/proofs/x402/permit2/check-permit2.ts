import { getAddress, toBeHex, verifyTypedData } from 'ethers';
import { REASONS, type Erc20Asset, type EvmNetwork } from '@turnpike/protocol';
import { ProofRefusal } from '../../context.js';
import type { EvmReads } from '../../evm/chain-reads.js';
import {
  ERC20_READ_ABI,
  PERMIT2_ABI,
  PERMIT2_ADDRESS,
  PERMIT_WITNESS_TRANSFER_TYPES,
  X402_EXACT_PERMIT2_PROXY,
} from './contracts.js';
import type { Permit2Payload } from './decode-permit2.js';

export interface Permit2Terms {
  network: EvmNetwork;
  asset: Erc20Asset;
  /** Lower-case x402 address. */
  payTo: string;
  amount: bigint;
  minValiditySeconds: number;
  nowSeconds: number;
}

/**
 * The checks that need no chain (scheme_exact_evm.md, Permit2 "Verification Logic"): the token is
 * the offered one, exactly the price is permitted, the spender is x402's exact Permit2 proxy (which
 * pays only `witness.to`), `witness.to` is the portal's x402 address, the deadline is far enough
 * ahead and `validAfter` has passed, and the EIP-712 signature — domain Permit2 on this chain —
 * recovers `from`.
 */
export function checkPermit2(p: Permit2Payload, t: Permit2Terms): void {
  const a = p.permit2Authorization;
  if (a.permitted.token.toLowerCase() !== t.asset.address.toLowerCase())
    throw new ProofRefusal(REASONS.PAYMENT_WRONG_ASSET, 'the permit is for another token');
  if (BigInt(a.permitted.amount) !== t.amount)
    throw new ProofRefusal(
      REASONS.X402_VALUE_MISMATCH,
      `the permit moves ${a.permitted.amount}, the price is ${t.amount}`,
    );
  if (a.spender.toLowerCase() !== X402_EXACT_PERMIT2_PROXY.toLowerCase())
    throw new ProofRefusal(
      REASONS.X402_PAYLOAD_INVALID,
      "the permit's spender is not x402's exact Permit2 proxy",
    );
  if (a.witness.to.toLowerCase() !== t.payTo)
    throw new ProofRefusal(REASONS.X402_RECIPIENT_MISMATCH, 'the permit pays another address');
  if (BigInt(a.witness.validAfter) > BigInt(t.nowSeconds))
    throw new ProofRefusal(REASONS.X402_AUTHORIZATION_NOT_YET_VALID, 'the permit is not valid yet');
  if (BigInt(a.deadline) < BigInt(t.nowSeconds + t.minValiditySeconds))
    throw new ProofRefusal(REASONS.X402_AUTHORIZATION_EXPIRED, 'the permit has expired');
  let signer: string;
  try {
    signer = verifyTypedData(
      { name: 'Permit2', chainId: t.network.chainId, verifyingContract: PERMIT2_ADDRESS },
      PERMIT_WITNESS_TRANSFER_TYPES,
      {
        permitted: { token: getAddress(a.permitted.token), amount: BigInt(a.permitted.amount) },
        spender: getAddress(a.spender),
        nonce: BigInt(a.nonce),
        deadline: BigInt(a.deadline),
        witness: { to: getAddress(a.witness.to), validAfter: BigInt(a.witness.validAfter) },
      },
      p.signature,
    );
  } catch (cause) {
    throw new ProofRefusal(REASONS.X402_SIGNATURE_INVALID, 'the signature does not parse', { cause });
  }
  // EOA signatures only (no ERC-1271 / ERC-6492 smart wallets), as for EIP-3009.
  if (signer.toLowerCase() !== a.from.toLowerCase())
    throw new ProofRefusal(REASONS.X402_SIGNATURE_INVALID, 'the permit is not signed by its payer');
}

/** The permit's nonce as a 32-byte hex string (part of the ledger binding). */
export function permit2NonceHex(p: Permit2Payload): string {
  return toBeHex(BigInt(p.permit2Authorization.nonce), 32);
}

/**
 * The chain checks: the Permit2 nonce is unused (its bit in `nonceBitmap`), the payer approved
 * Permit2 for at least the amount, and holds it.
 */
export async function checkPermit2OnChain(p: Permit2Payload, reads: EvmReads): Promise<void> {
  const a = p.permit2Authorization;
  const nonce = BigInt(a.nonce);
  const [bitmap, allowance, balance] = await Promise.all([
    reads.call(PERMIT2_ADDRESS, PERMIT2_ABI.encodeFunctionData('nonceBitmap', [a.from, nonce >> 8n])),
    reads.call(a.permitted.token, ERC20_READ_ABI.encodeFunctionData('allowance', [a.from, PERMIT2_ADDRESS])),
    reads.call(a.permitted.token, ERC20_READ_ABI.encodeFunctionData('balanceOf', [a.from])),
  ]);
  const word = PERMIT2_ABI.decodeFunctionResult('nonceBitmap', bitmap)[0] as bigint;
  if (((word >> (nonce & 0xffn)) & 1n) === 1n)
    throw new ProofRefusal(REASONS.X402_NONCE_USED, 'this permit has already been used');
  const amount = BigInt(a.permitted.amount);
  if ((ERC20_READ_ABI.decodeFunctionResult('allowance', allowance)[0] as bigint) < amount)
    throw new ProofRefusal(
      REASONS.X402_PERMIT2_ALLOWANCE_REQUIRED,
      `approve Permit2 (${PERMIT2_ADDRESS}) to spend this token once, then retry`,
    );
  if ((ERC20_READ_ABI.decodeFunctionResult('balanceOf', balance)[0] as bigint) < amount)
    throw new ProofRefusal(REASONS.X402_INSUFFICIENT_BALANCE, 'the payer does not hold the amount');
}
