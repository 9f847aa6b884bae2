import type { Command } from 'commander';
import { adminClient } from '../lib/admin-client.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';
import { adminOptions, siteBody, siteFieldOptions, type SiteFieldFlags } from './sites-options.js';

/** `turnpike sites add <id> --host …`: a new site; every problem the admin API finds is printed. */
export async function sitesAdd(
  io: CliIo,
  id: string,
  flags: SiteFieldFlags & { disabled?: boolean },
): Promise<CommandResult> {
  const call = await adminClient(io, flags);
  const body = await siteBody(flags, { id });
  if (flags.disabled === true) body.enabled = false;
  const site = (await call('/sites', { body })) as { id: string; version: number };
  return { data: site, text: `added site ${site.id} (version ${site.version})` };
}

export function registerSitesAdd(parent: Command, ctx: CommandContext): void {
  siteFieldOptions(adminOptions(parent.command('add <id>').description('add a site')))
    .option('--disabled', 'add it disabled')
    .action(
      ctx.handle((id: string, opts: SiteFieldFlags & { disabled?: boolean }) => sitesAdd(ctx.io, id, opts)),
    );
}
