import { createRpcClient, type PortalConfig } from '@turnpike/payment-portal';
import type { NetworkRegistry } from '@turnpike/protocol';
import { z } from '@turnpike/protocol/service';
import { ok, problem, redactUrl, skipped, type DoctorCheck } from './doctor-check.js';

const hexQuantity = z.string().regex(/^0x[0-9a-fA-F]+$/);

/**
 * Each RPC URL of each watcher on its own (failover would hide a dead one): EVM `eth_chainId` must
 * be the registry's chain id, Solana `getGenesisHash` must match the network's CAIP-2 id.
 */
export async function checkRpcEndpoints(
  config: PortalConfig,
  registry: NetworkRegistry,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const [name, watcher] of Object.entries(config.watchers)) {
    const network = registry.get(name);
    if (network === undefined) continue; // reported by the config check
    if (!watcher.enabled) {
      checks.push(skipped(`rpc ${name}`, name, 'watcher disabled'));
      continue;
    }
    for (const url of watcher.rpcUrls) {
      const target = redactUrl(url);
      const rpc = createRpcClient({ urls: [url], timeoutMs: Math.min(timeoutMs, watcher.rpcTimeoutMs) });
      try {
        if (network.kind === 'evm') {
          const chainId = Number(BigInt(await rpc.call('eth_chainId', [], hexQuantity)));
          checks.push(
            chainId === network.chainId
              ? ok(`rpc ${name}`, target, `chain id ${chainId}`)
              : problem(
                  `rpc ${name}`,
                  target,
                  `chain id ${chainId}, expected ${network.chainId}`,
                  `this URL serves another chain: fix watchers.${name}.rpcUrls`,
                ),
          );
        } else {
          const genesis = await rpc.call('getGenesisHash', [], z.string());
          const caip2 = `solana:${genesis.slice(0, 32)}`;
          checks.push(
            caip2 === network.caip2
              ? ok(`rpc ${name}`, target, `genesis ${caip2}`)
              : problem(
                  `rpc ${name}`,
                  target,
                  `genesis ${caip2}, expected ${network.caip2}`,
                  `this URL serves another cluster: fix watchers.${name}.rpcUrls`,
                ),
          );
        }
      } catch (err) {
        checks.push(
          problem(
            `rpc ${name}`,
            target,
            (err as Error).message,
            `check watchers.${name}.rpcUrls and the provider's API key`,
          ),
        );
      }
    }
  }
  return checks;
}
