import type { Command } from 'commander';
import { adminClient, type AdminTarget } from '../lib/admin-client.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';
import { adminOptions } from './sites-options.js';

interface ListedSite {
  id: string;
  hosts: string[];
  enabled: boolean;
  version?: number;
  source?: string;
  wallets?: { evm?: { xpub?: string; walletId?: string }; solana?: { address: string } };
}

/** `turnpike sites list`: every site the admin API knows, `default` (the portal config's) first. */
export async function sitesList(io: CliIo, target: AdminTarget): Promise<CommandResult> {
  const call = await adminClient(io, target);
  const data = (await call('/sites')) as { version: string; sites: ListedSite[] };
  const rows = data.sites.map((s) => [
    s.id,
    s.enabled ? 'yes' : 'no',
    s.source === 'config' ? '(every other host)' : s.hosts.join(' '),
    s.wallets?.evm === undefined ? '' : 'evm',
    s.wallets?.solana === undefined ? '' : 'solana',
    s.version === undefined ? 'config' : String(s.version),
  ]);
  return { data, text: renderTable(['ID', 'ENABLED', 'HOSTS', 'EVM', 'SOLANA', 'VERSION'], rows) };
}

export function registerSitesList(parent: Command, ctx: CommandContext): void {
  adminOptions(parent.command('list').description('the sites (docs/sites.md)')).action(
    ctx.handle((opts: AdminTarget) => sitesList(ctx.io, opts)),
  );
}
