import type { NetworkRegistry } from '@turnpike/protocol';
import { ConfigError } from '@turnpike/protocol/service';
import type { Registry } from 'prom-client';
import type { PortalConfig } from '../config/schema.js';
import {
  createSettleVerifiers,
  registerRelayerMetrics,
  type Relayer,
  type SettleVerifiers,
} from '../proofs/index.js';

/**
 * The settle verifiers from `proofs:` config (or the ones given, in tests) and, in relayer mode,
 * the relayer with its metrics registered.
 */
export function wireProofs(
  config: PortalConfig,
  deps: {
    registry: NetworkRegistry;
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    registryMetrics: Registry;
    verifiers?: SettleVerifiers | undefined;
  },
): { verifiers: SettleVerifiers; relayer: Relayer | undefined } {
  if (deps.verifiers) return { verifiers: deps.verifiers, relayer: undefined };
  let wired;
  try {
    wired = createSettleVerifiers(config.proofs, { registry: deps.registry, rpcUrls: deps.rpcUrls });
  } catch (err) {
    // createRelayer refuses a key that is not one (its message never repeats the key).
    if (err instanceof TypeError) throw new ConfigError([err.message]);
    throw err;
  }
  if (wired.relayer) registerRelayerMetrics(deps.registryMetrics, wired.relayer);
  return wired;
}
