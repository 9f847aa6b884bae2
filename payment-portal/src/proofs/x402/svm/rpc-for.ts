import { createSolanaRpcClient, type SolanaRpcClient } from '../../solana/rpc.js';
import { createSvmSubmitRpc, type SvmSubmitRpc } from './svm-rpc.js';

export type SvmRpcFor = (network: string) => { reads: SolanaRpcClient; submit: SvmSubmitRpc } | undefined;

/** The RPC clients of each Solana network with endpoints (`watchers.<network>.rpcUrls`), made once. */
export function svmRpcFor(rpcUrls: ReadonlyMap<string, readonly string[]>, timeoutMs: number): SvmRpcFor {
  const made = new Map<string, { reads: SolanaRpcClient; submit: SvmSubmitRpc }>();
  return (network) => {
    const urls = rpcUrls.get(network);
    if (urls === undefined || urls.length === 0) return undefined;
    let clients = made.get(network);
    if (clients === undefined) {
      clients = {
        reads: createSolanaRpcClient({ urls, timeoutMs }),
        submit: createSvmSubmitRpc({ urls, timeoutMs }),
      };
      made.set(network, clients);
    }
    return clients;
  };
}
