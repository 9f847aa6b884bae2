#!/usr/bin/env node
// CLI entry: `authz-service --config <file>`; environment overrides `TURNPIKE_AUTHZ__a__b=value`.
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, installGracefulShutdown } from '@turnpike/protocol/service';
import { startAuthzService } from './app.js';
import { loadAuthzConfig } from './config/load.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } }, strict: true });
  let loaded;
  try {
    loaded = await loadAuthzConfig({ file: values.config ?? process.env.TURNPIKE_AUTHZ_CONFIG });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
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
