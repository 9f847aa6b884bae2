import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadAuthzConfig } from '@turnpike/authz-service';
import { ConfigError } from '@turnpike/protocol/service';
import { EXIT_CODES, UsageError } from '../errors.js';
import { checkPortalFile } from '../lib/check-portal-file.js';
import { detectService, type ServiceName } from '../lib/detect-service.js';
import type { CliIo } from '../io.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';

/** The authorizer's own loader: schema, JWKS path and every static route's payment request. */
async function checkAuthzFile(file: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    await loadAuthzConfig({ file, env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/**
 * `turnpike config check <file> [--service authz|portal]`: runs the service's own loader on the
 * file (with this process's environment, so `fromEnv` secrets and `TURNPIKE_*__` overrides count)
 * and prints every problem at once. Exit 1 when there is any.
 */
export async function configCheck(
  io: CliIo,
  file: string,
  opts: { service?: ServiceName | undefined },
): Promise<CommandResult> {
  const path = resolve(file);
  // A file that is not there is a usage error (exit 2), whichever way the service is chosen.
  await access(path).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${path}: ${err.code ?? 'error'}`);
  });
  const service = opts.service ?? (await detectService(path));
  const problems =
    service === 'portal'
      ? (await checkPortalFile(path, io.env)).problems
      : await checkAuthzFile(path, io.env);
  const name = service === 'portal' ? 'payment-portal' : 'authz-service';
  const text =
    problems.length === 0
      ? `${path}: valid ${name} configuration`
      : [`${path}: ${problems.length} problem(s) for ${name}:`, ...problems.map((p) => `  ${p}`)].join('\n');
  return {
    data: { file: path, service, ok: problems.length === 0, problems },
    text,
    exitCode: problems.length === 0 ? EXIT_CODES.ok : EXIT_CODES.problems,
  };
}

export function registerConfigCheck(parent: Command, ctx: CommandContext): void {
  parent
    .command('check')
    .description("validate a service's config file with the service's own loader; every problem at once")
    .argument('<file>', 'YAML or JSON config file')
    .addOption(
      new Option('--service <service>', 'which service (default: detected from the keys)').choices([
        'authz',
        'portal',
      ]),
    )
    .action(
      ctx.handle((file: string, opts: { service?: ServiceName }) =>
        configCheck(ctx.io, file, { service: opts.service }),
      ),
    );
}
