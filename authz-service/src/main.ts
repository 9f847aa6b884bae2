#!/usr/bin/env node
// CLI entry: `authz-service [start|check] --config <file>`; environment overrides
// `TURNPIKE_AUTHZ__a__b=value`.
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, installGracefulShutdown } from '@turnpike/protocol/service';
import { startAuthzService } from './app.js';
import { AUTHZ_USAGE } from './cli/usage.js';
import { loadAuthzConfig } from './config/load.js';

/** Exits 2 with `message` (and the usage when asked): a command line or configuration error. */
function exitWithUsageError(message: string, withUsage: boolean): never {
  process.stderr.write(`${message}\n${withUsage ? `\n${AUTHZ_USAGE}` : ''}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { config?: string | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    exitWithUsageError((err as Error).message, true);
  }
  if (values.help) {
    process.stdout.write(AUTHZ_USAGE);
    return;
  }
  const [command = 'start', ...rest] = positionals;
  if ((command !== 'start' && command !== 'check') || rest.length > 0)
    exitWithUsageError(`unknown command: ${positionals.join(' ')}`, true);
  let loaded;
  try {
    loaded = await loadAuthzConfig({ file: values.config ?? process.env.TURNPIKE_AUTHZ_CONFIG });
  } catch (err) {
    if (err instanceof ConfigError) exitWithUsageError(err.message, false);
    throw err;
  }
  if (command === 'check') {
    process.stdout.write(`configuration valid (${loaded.routes.length} static routes)\n`);
    return;
  }
  const logger = createLogger({ name: 'authz-service', level: loaded.config.logLevel });
  const service = await startAuthzService(loaded.config, { logger });
  installGracefulShutdown({
    servers: [{ close: (cb) => void service.close().then(() => cb?.(), cb) }],
    logger,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `authz-service failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
