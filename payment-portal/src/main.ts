#!/usr/bin/env node
/**
 * `payment-portal [start|migrate|check] --config <file>`: loads the configuration (file +
 * TURNPIKE_PORTAL__… environment overrides), then starts the portal and stops it cleanly on
 * SIGTERM/SIGINT (start), applies the migrations and exits (migrate), or validates and exits (check).
 */
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, installGracefulShutdown } from '@turnpike/protocol/service';
import { startPaymentPortal } from './app.js';
import { checkPortalStartup } from './cli/check-config.js';
import { runMigrations } from './cli/run-migrations.js';
import { PORTAL_USAGE } from './cli/usage.js';
import { loadPortalConfig } from './config/load-portal-config.js';
import { SigningKeyError } from './tokens/signing-keys.js';

const COMMANDS = ['start', 'migrate', 'check'] as const;
type Command = (typeof COMMANDS)[number];

/** A command line that cannot be run; exits 2 with the usage. */
class UsageError extends Error {
  readonly code = 'usage_invalid' as const;
}

function parseCommandLine(): { command: Command; config: string | undefined } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) return 'help';
  const [command = 'start', ...rest] = parsed.positionals;
  if (!(COMMANDS as readonly string[]).includes(command) || rest.length > 0)
    throw new UsageError(`unknown command: ${parsed.positionals.join(' ')}`);
  return { command: command as Command, config: parsed.values.config ?? process.env.TURNPIKE_PORTAL_CONFIG };
}

async function main(): Promise<void> {
  const line = parseCommandLine();
  if (line === 'help') {
    process.stdout.write(PORTAL_USAGE);
    return;
  }
  const config = await loadPortalConfig({ file: line.config });
  const logger = createLogger({ name: 'payment-portal', level: config.logLevel });
  switch (line.command) {
    case 'check': {
      const { kids } = checkPortalStartup(config);
      process.stdout.write(`configuration valid (token keys: ${kids.join(', ')})\n`);
      return;
    }
    case 'migrate': {
      const { applied, current } = await runMigrations(config, logger);
      process.stdout.write(
        `migrations: ${applied.length === 0 ? 'none pending' : `applied ${applied.join(', ')}`}; schema version ${current}\n`,
      );
      return;
    }
    case 'start': {
      const portal = await startPaymentPortal(config, { logger });
      installGracefulShutdown({ logger, servers: [], onClose: () => portal.close() });
      return;
    }
    default: {
      const unreachable: never = line.command;
      throw new UsageError(`unknown command ${String(unreachable)}`);
    }
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${PORTAL_USAGE}`);
    process.exit(2);
  }
  if (err instanceof ConfigError || err instanceof SigningKeyError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`payment-portal failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
