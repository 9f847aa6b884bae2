import type { Command } from 'commander';
import { adminClient, type AdminTarget } from '../lib/admin-client.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';
import { adminOptions } from './sites-options.js';

/** `turnpike sites disable <id>`: its hosts fall back to `default`; its invoices and revenue stay. */
export async function sitesDisable(io: CliIo, id: string, target: AdminTarget): Promise<CommandResult> {
  const call = await adminClient(io, target);
  const site = (await call(`/sites/${encodeURIComponent(id)}/disable`, { method: 'POST' })) as {
    id: string;
    version: number;
  };
  return { data: site, text: `disabled site ${site.id} (version ${site.version})` };
}

export function registerSitesDisable(parent: Command, ctx: CommandContext): void {
  adminOptions(parent.command('disable <id>').description('disable a site')).action(
    ctx.handle((id: string, opts: AdminTarget) => sitesDisable(ctx.io, id, opts)),
  );
}
