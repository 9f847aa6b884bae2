import { PORTAL_ENV_PREFIX, portalConfigSchema } from '@turnpike/payment-portal';
import { createNetworkRegistry, NetworkConfigError, type NetworkRegistry } from '@turnpike/protocol';
import { ConfigError, loadConfig } from '@turnpike/protocol/service';
import { InputError } from '../errors.js';

/**
 * The public parts of a portal config (networks, watchers, wallets) validated by the portal's own
 * schema pieces, without resolving its secrets: reading revenue or planning a sweep needs neither
 * the signing key nor the internal token, so those need not be in this shell's environment.
 */
// zod 4 refuses .pick() on an object with refinements (the portal schema checks listeners.admin
// against admin.token): pick from a copy without them (none concerns these keys).
const publicPartSchema = portalConfigSchema
  .clone({ ...portalConfigSchema.def, checks: [] })
  .pick({ networks: true, watchers: true, wallets: true })
  .loose();

export interface PortalSettings {
  registry: NetworkRegistry;
  watchers: Record<string, { rpcUrls: string[]; rpcTimeoutMs: number }>;
  xpub: string | undefined;
}

/** Loads the networks, watchers and EVM xpub of a portal config file (with TURNPIKE_PORTAL__ overrides). */
export async function loadPortalSettings(file: string, env: NodeJS.ProcessEnv): Promise<PortalSettings> {
  try {
    const parsed = await loadConfig({
      schema: publicPartSchema as never,
      file,
      env,
      envPrefix: PORTAL_ENV_PREFIX,
    });
    const part = parsed as unknown as {
      networks: Parameters<typeof createNetworkRegistry>[0];
      watchers: PortalSettings['watchers'];
      wallets: { evm?: { xpub: string } };
    };
    return {
      registry: createNetworkRegistry(part.networks),
      watchers: part.watchers,
      xpub: part.wallets.evm?.xpub,
    };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof NetworkConfigError) {
      const problems = err instanceof ConfigError ? err.problems : err.issues;
      throw new InputError('config_invalid', `${file}: ${problems.join('; ')}`, {
        hint: `run: turnpike config check ${file}`,
      });
    }
    throw err;
  }
}
