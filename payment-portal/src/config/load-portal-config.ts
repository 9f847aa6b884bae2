import { ConfigError, loadConfig } from '@turnpike/protocol/service';
import { retentionGraceProblem } from '../retention/grace.js';
import { portalConfigSchema, type PortalConfig } from './schema.js';

/** Prefix of environment overrides: `TURNPIKE_PORTAL__invoice__expiryMinutes=10`. */
export const PORTAL_ENV_PREFIX = 'TURNPIKE_PORTAL';

export interface LoadPortalConfigOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads and validates the portal's configuration (file, then `TURNPIKE_PORTAL__…` overrides).
 * Throws one ConfigError listing every problem, including cross-field ones (a watcher for an
 * unknown network, a dev account without a dev chain).
 */
export async function loadPortalConfig(opts: LoadPortalConfigOptions = {}): Promise<PortalConfig> {
  // The schema is built with the portal's zod copy; loadConfig only calls safeParseAsync on it.
  const config = (await loadConfig({
    schema: portalConfigSchema as never,
    file: opts.file,
    envPrefix: PORTAL_ENV_PREFIX,
    ...(opts.env ? { env: opts.env } : {}),
  })) as PortalConfig;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Problems a per-field schema cannot see. Exported for `startPaymentPortal` with a built config. */
export function crossFieldProblems(config: PortalConfig): string[] {
  const problems: string[] = [];
  const kids = new Set<string>();
  config.tokens.signingKeys.forEach((key, i) => {
    if (kids.has(key.kid)) problems.push(`tokens.signingKeys.${i}.kid: duplicate kid "${key.kid}"`);
    kids.add(key.kid);
  });
  const grace = retentionGraceProblem(config);
  if (grace !== undefined) problems.push(grace);
  return problems;
}
