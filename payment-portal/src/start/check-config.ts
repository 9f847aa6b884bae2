import type { NetworkRegistry } from '@turnpike/protocol';
import { ConfigError } from '@turnpike/protocol/service';
import { crossFieldProblems } from '../config/load-portal-config.js';
import type { PortalConfig } from '../config/schema.js';

/**
 * The checks a config needs once the network registry exists (a watcher for an unknown network,
 * confirmations on Solana), with the cross-field ones: throws one ConfigError listing them all.
 */
export function checkPortalConfig(config: PortalConfig, registry: NetworkRegistry): void {
  const problems = crossFieldProblems(config);
  for (const name of Object.keys(config.watchers)) {
    const network = registry.get(name);
    if (!network) problems.push(`watchers.${name}: no such network`);
    else if (network.kind === 'solana' && config.watchers[name]?.confirmations !== undefined)
      problems.push(
        `watchers.${name}.confirmations: Solana counts no confirmations (set networks.${name}.commitment)`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
