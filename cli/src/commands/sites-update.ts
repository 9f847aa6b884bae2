import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { adminClient } from '../lib/admin-client.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';
import { adminOptions, siteBody, siteFieldOptions, type SiteFieldFlags } from './sites-options.js';

/** `turnpike sites update <id> …`: changes only what is given; the result is validated whole. */
export async function sitesUpdate(
  io: CliIo,
  id: string,
  flags: SiteFieldFlags & { enable?: boolean },
): Promise<CommandResult> {
  const body = await siteBody(flags);
  if (flags.enable === true) body.enabled = true;
  if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one field');
  const call = await adminClient(io, flags);
  const site = (await call(`/sites/${encodeURIComponent(id)}`, { method: 'PATCH', body })) as {
    id: string;
    version: number;
  };
  return { data: site, text: `updated site ${site.id} (version ${site.version})` };
}

export function registerSitesUpdate(parent: Command, ctx: CommandContext): void {
  siteFieldOptions(adminOptions(parent.command('update <id>').description("change a site's fields")))
    .option('--enable', 'enable a disabled site')
    .action(
      ctx.handle((id: string, opts: SiteFieldFlags & { enable?: boolean }) => sitesUpdate(ctx.io, id, opts)),
    );
}
