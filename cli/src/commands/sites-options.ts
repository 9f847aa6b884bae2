import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { AdminTarget } from '../lib/admin-client.js';

/** The admin API options every `sites` command takes. */
export function adminOptions(command: Command): Command {
  return command
    .requiredOption('--admin-url <url>', "the portal's admin listener, e.g. http://127.0.0.1:8092")
    .option('--admin-token-file <file>', 'the admin API secret (default: TURNPIKE_ADMIN_TOKEN)');
}

/** The options that set a site's fields (`add` and `update`). */
export function siteFieldOptions(command: Command): Command {
  const list = (value: string, previous: string[] = []) => [...previous, value];
  return command
    .option(
      '--host <pattern>',
      'a host pattern (example.com, *.example.com, host:port); repeat for more',
      list,
    )
    .option('--upstream <url>', "where the authorizer reads the site's declarations")
    .option('--evm-xpub <xpub>', 'the EVM account xpub its payments go to (watch-only)')
    .option('--solana-address <address>', 'its Solana wallet')
    .option('--networks <list>', 'comma-separated networks its 402s may offer')
    .option('--assets <list>', 'comma-separated asset symbols its 402s may offer')
    .option('--name <name>', 'the name on its pay page')
    .option('--logo-url <url>', 'its logo (https:// URL or absolute path)')
    .option('--token-lifetime-ms <ms>', 'token lifetime of its declarations without exp')
    .option('--invoices-per-minute <n>', 'pay-page invoices per client address per minute')
    .option('--file <json>', 'the whole definition (or patch) as a JSON file; flags override it');
}

export interface SiteFieldFlags extends AdminTarget {
  host?: string[];
  upstream?: string;
  evmXpub?: string;
  solanaAddress?: string;
  networks?: string;
  assets?: string;
  name?: string;
  logoUrl?: string;
  tokenLifetimeMs?: string;
  invoicesPerMinute?: string;
  file?: string;
}

const integer = (flag: string, value: string): number => {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  return Number(value);
};
const csv = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The JSON body the flags describe (over `--file`'s). Only what was given is set, so the same
 * body is a whole definition for `add` and a patch for `update`; the admin API validates it.
 */
export async function siteBody(
  flags: SiteFieldFlags,
  base: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = { ...base };
  if (flags.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(flags.file, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read --file ${flags.file} as JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError(`--file ${flags.file} must hold a JSON object`);
    body = { ...body, ...(parsed as Record<string, unknown>) };
  }
  const wallets = { ...(body.wallets as Record<string, unknown> | undefined) };
  const branding = { ...(body.branding as Record<string, unknown> | undefined) };
  const accept = { ...(body.accept as Record<string, unknown> | undefined) };
  if (flags.host !== undefined) body.hosts = flags.host;
  if (flags.upstream !== undefined) body.upstream = flags.upstream;
  if (flags.evmXpub !== undefined) wallets.evm = { xpub: flags.evmXpub };
  if (flags.solanaAddress !== undefined) wallets.solana = { address: flags.solanaAddress };
  if (flags.networks !== undefined) accept.networks = csv(flags.networks);
  if (flags.assets !== undefined) accept.assets = csv(flags.assets);
  if (flags.name !== undefined) branding.name = flags.name;
  if (flags.logoUrl !== undefined) branding.logoUrl = flags.logoUrl;
  if (flags.tokenLifetimeMs !== undefined)
    body.tokenLifetimeMs = integer('--token-lifetime-ms', flags.tokenLifetimeMs);
  if (flags.invoicesPerMinute !== undefined)
    body.limits = { invoicesPerMinutePerIp: integer('--invoices-per-minute', flags.invoicesPerMinute) };
  if (Object.keys(wallets).length > 0) body.wallets = wallets;
  if (Object.keys(branding).length > 0) body.branding = branding;
  if (Object.keys(accept).length > 0) body.accept = accept;
  return body;
}
