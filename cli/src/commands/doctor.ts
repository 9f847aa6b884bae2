import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadAuthzConfig, type AuthzConfig } from '@turnpike/authz-service';
import { createNetworkRegistry } from '@turnpike/protocol';
import { ConfigError } from '@turnpike/protocol/service';
import { EXIT_CODES, UsageError } from '../errors.js';
import { checkPortalFile } from '../lib/check-portal-file.js';
import { problem, ok, type DoctorCheck } from '../lib/doctor-check.js';
import { checkDatabase } from '../lib/doctor-database.js';
import { checkInternalApi, checkJwks, checkJwksFile } from '../lib/doctor-http.js';
import { checkRpcEndpoints } from '../lib/doctor-rpc.js';
import { renderTable, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

export const DEFAULT_DOCTOR_TIMEOUT_MS = 5_000;

/** The internal listener as a URL from this host (a wildcard bind is reached on loopback). */
function internalUrlOf(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

async function loadAuthz(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ config?: AuthzConfig; check: DoctorCheck }> {
  try {
    const { config } = await loadAuthzConfig({ file, env });
    return { config, check: ok('authz config', file, 'valid') };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      check: problem('authz config', file, err.problems.join('; '), `run: turnpike config check ${file}`),
    };
  }
}

/**
 * `turnpike doctor --portal-config F [--authz-config F]`: loads the configs with the services' own
 * loaders, then reaches the database, every watcher RPC URL (chain id), the JWKS the authorizer
 * reads and the portal's internal API with the authorizer's token (or the portal's own), each with
 * a timeout, and prints what is wrong with a hint. Exit 1 when anything is.
 */
export async function doctor(
  io: CliIo,
  opts: { portalConfig: string; authzConfig?: string | undefined; timeoutMs: number },
): Promise<CommandResult> {
  const portalFile = resolve(opts.portalConfig);
  const checks: DoctorCheck[] = [];
  const portal = await checkPortalFile(portalFile, io.env);
  checks.push(
    portal.problems.length === 0
      ? ok('portal config', portalFile, 'valid')
      : problem(
          'portal config',
          portalFile,
          portal.problems.join('; '),
          `run: turnpike config check ${portalFile}`,
        ),
  );
  const authz =
    opts.authzConfig === undefined ? undefined : await loadAuthz(resolve(opts.authzConfig), io.env);
  if (authz) checks.push(authz.check);
  const config = portal.config;
  if (config !== undefined) {
    checks.push(await checkDatabase(config, opts.timeoutMs));
    checks.push(...(await checkRpcEndpoints(config, createNetworkRegistry(config.networks), opts.timeoutMs)));
    const kids = config.tokens.signingKeys.map((k) => k.kid);
    const a = authz?.config;
    if (a !== undefined) {
      if (a.issuer !== config.issuer)
        checks.push(
          problem(
            'issuer',
            a.issuer,
            `the authorizer expects issuer "${a.issuer}", the portal signs "${config.issuer}"`,
            'set both issuer keys to the same value',
          ),
        );
      checks.push(
        'url' in a.jwks
          ? await checkJwks(a.jwks.url, kids, Math.min(opts.timeoutMs, a.jwks.timeoutMs))
          : await checkJwksFile(a.jwks.file, kids),
      );
      if (a.portal.token.reveal() !== config.listeners.internalToken.reveal())
        checks.push(
          problem(
            'internal token',
            'portal.token',
            "differs from the portal's listeners.internalToken",
            'give both the same secret (file or env)',
          ),
        );
      checks.push(
        await checkInternalApi(
          a.portal.internalUrl,
          a.portal.token.reveal(),
          Math.min(opts.timeoutMs, a.portal.timeoutMs),
        ),
      );
    } else {
      const { host, port } = config.listeners.internal;
      checks.push(
        await checkInternalApi(
          internalUrlOf(host, port),
          config.listeners.internalToken.reveal(),
          opts.timeoutMs,
        ),
      );
    }
  }
  const problems = checks.filter((c) => c.status === 'problem').length;
  const text = [
    renderTable(
      ['CHECK', 'STATUS', 'TARGET', 'RESULT'],
      checks.map((c) => [c.name, c.status.toUpperCase(), c.target, c.message]),
    ),
    ...checks.filter((c) => c.hint !== undefined).map((c) => `hint (${c.name}): ${c.hint}`),
    problems === 0 ? 'all checks passed' : `${problems} problem(s) found`,
  ].join('\n');
  return {
    data: { ok: problems === 0, checks },
    text,
    exitCode: problems === 0 ? EXIT_CODES.ok : EXIT_CODES.problems,
  };
}

function parseTimeout(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 120_000)
    throw new UsageError(`--timeout-ms must be 1 to 120000, got "${value}"`);
  return Number(value);
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description(
      'reach the database, RPC endpoints, JWKS and internal API the configs name; say what is wrong',
    )
    .requiredOption('--portal-config <file>', "the portal's config file")
    .option('--authz-config <file>', "the authorizer's config file (checks its JWKS URL, issuer and token)")
    .option('--timeout-ms <ms>', 'timeout of each check', parseTimeout, DEFAULT_DOCTOR_TIMEOUT_MS)
    .action(
      ctx.handle((opts: { portalConfig: string; authzConfig?: string; timeoutMs: number }) =>
        doctor(ctx.io, opts),
      ),
    );
}
