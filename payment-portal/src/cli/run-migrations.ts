import type { Logger } from '@turnpike/protocol/service';
import type { PortalConfig } from '../config/schema.js';
import { migrate, openDatabase, type MigrateResult } from '../storage/index.js';

/**
 * `payment-portal migrate`: opens the configured database, applies the pending migrations (each
 * under the advisory lock that `migrate` takes, so it is safe while replicas start or run) and
 * closes it again. The portal also migrates at start; this runs the step alone, before a rollout.
 */
export async function runMigrations(config: PortalConfig, logger: Logger): Promise<MigrateResult> {
  const db = await openDatabase({
    url: config.database.url?.reveal(),
    dataDir: config.database.dataDir,
    memory: config.database.memory,
    // One connection: migrations run one transaction at a time.
    poolSize: 1,
    // Only the configured database: an unrelated DATABASE_URL in the environment is not used.
    env: {},
    logger,
  });
  try {
    return await migrate(db, { logger });
  } finally {
    await db.close();
  }
}
