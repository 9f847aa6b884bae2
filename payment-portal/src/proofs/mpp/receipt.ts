import type { MppReceipt } from '@turnpike/protocol';
import type { ProofContext } from '../context.js';

/** The Payment-Receipt of a credited MPP credential (draft §5.3; the evm method adds chainId). */
export function mppReceipt(
  challengeId: string,
  method: 'evm' | 'solana',
  reference: string,
  pctx: Pick<ProofContext, 'now'>,
  chainId?: number,
): MppReceipt {
  return {
    method,
    challengeId,
    reference,
    status: 'success',
    timestamp: new Date((pctx.now ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(chainId === undefined ? {} : { chainId }),
  };
}
