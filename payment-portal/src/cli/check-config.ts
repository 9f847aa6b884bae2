import { createNetworkRegistry } from '@turnpike/protocol';
import type { PortalConfig } from '../config/schema.js';
import { checkPortalConfig } from '../start/check-config.js';
import { loadSigningKeys } from '../tokens/signing-keys.js';

/**
 * `payment-portal check`: the start-up checks that need no database or network: the registry-level
 * checks (a watcher for an unknown network, …) and the token signing keys (parsable, P-256).
 * Throws the first failing check's error (a ConfigError lists all of its problems at once).
 */
export function checkPortalStartup(config: PortalConfig): { kids: string[] } {
  checkPortalConfig(config, createNetworkRegistry(config.networks));
  const keys = loadSigningKeys(config.tokens.signingKeys);
  return { kids: keys.all.map((key) => key.kid) };
}
