import {
  checkPortalConfig,
  createXpubDeriver,
  loadPortalConfig,
  loadSigningKeys,
  type PortalConfig,
} from '@turnpike/payment-portal';
import { createNetworkRegistry, NetworkConfigError } from '@turnpike/protocol';
import { ConfigError } from '@turnpike/protocol/service';

/**
 * Every problem the portal would refuse to start with, from its own code: the schema and
 * cross-field checks (loadPortalConfig), the network registry and watcher checks
 * (checkPortalConfig), each signing key (loadSigningKeys) and the xpub (createXpubDeriver).
 * Returns the loaded config too, for commands that go on to use it.
 */
export async function checkPortalFile(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ problems: string[]; config: PortalConfig | undefined }> {
  let config: PortalConfig;
  try {
    config = await loadPortalConfig({ file, env });
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems, config: undefined };
    throw err;
  }
  const problems: string[] = [];
  try {
    checkPortalConfig(config, createNetworkRegistry(config.networks));
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else if (err instanceof NetworkConfigError) problems.push(...err.issues);
    else throw err;
  }
  config.tokens.signingKeys.forEach((key, i) => {
    try {
      loadSigningKeys([key]);
    } catch (err) {
      problems.push(`tokens.signingKeys.${i}.privateKey: ${(err as Error).message}`);
    }
  });
  if (config.wallets.evm !== undefined) {
    try {
      createXpubDeriver(config.wallets.evm.xpub);
    } catch (err) {
      problems.push(`wallets.evm.xpub: ${(err as Error).message}`);
    }
  }
  return { problems, config };
}
