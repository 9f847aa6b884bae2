import { AbiCoder, hashMessage, verifyMessage } from 'ethers';
import type { EvmReads } from '../../evm/chain-reads.js';
import { RpcError } from '../../../watchers/evm/rpc-client.js';

/** ERC-1271 `isValidSignature(bytes32,bytes)` selector, and the magic value a valid call returns. */
const IS_VALID_SIGNATURE = '0x1626ba7e';
const MAGIC = /^0x1626ba7e/i;

/**
 * Verifies an EIP-191 (personal_sign) message: an EOA by recovering the signer, else a deployed
 * smart-contract wallet by ERC-1271 `isValidSignature` on its chain (`reads`, when the portal has
 * an RPC endpoint for it). A call the wallet reverts is a refusal, never a pass; a chain that cannot
 * be read at all throws its RpcError (`rpc_unavailable`): nothing was decided.
 */
export function evmMessageVerifier(reads: EvmReads | undefined) {
  return async (args: {
    address: `0x${string}`;
    message: string;
    signature: `0x${string}`;
  }): Promise<boolean> => {
    try {
      if (verifyMessage(args.message, args.signature).toLowerCase() === args.address.toLowerCase())
        return true;
    } catch {
      // Not a 65-byte ECDSA signature: a smart wallet's may be anything; ask the wallet.
    }
    if (reads === undefined) return false;
    const data =
      IS_VALID_SIGNATURE +
      AbiCoder.defaultAbiCoder()
        .encode(['bytes32', 'bytes'], [hashMessage(args.message), args.signature])
        .slice(2);
    try {
      return MAGIC.test(await reads.call(args.address, data));
    } catch (err) {
      if (err instanceof RpcError && err.code === 'rpc_unavailable') throw err;
      return false;
    }
  };
}
