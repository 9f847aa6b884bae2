/**
 * `payment-portal --config <file>`: loads the configuration (file + TURNPIKE_PORTAL__… environment
 * overrides), starts the portal and stops it cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, installGracefulShutdown } from '@turnpike/protocol/service';
import { startPaymentPortal } from './app.js';
import { loadPortalConfig } from './config/load-portal-config.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' } },
    allowPositionals: false,
  });
  const config = await loadPortalConfig({ file: values.config ?? process.env.TURNPIKE_PORTAL_CONFIG });
  const logger = createLogger({ name: 'payment-portal', level: config.logLevel });
  const portal = await startPaymentPortal(config, { logger });
  installGracefulShutdown({ logger, servers: [], onClose: () => portal.close() });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `payment-portal failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
