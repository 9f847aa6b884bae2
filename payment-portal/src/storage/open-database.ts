import {
  openPg,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from './pg-driver.js';
import { openPglite } from './pglite-driver.js';
import type { Database, OpenDatabaseOptions } from './types.js';

/**
 * Opens the portal's database. The driver is chosen in this order: `url` → PostgreSQL (`pg`);
 * `memory: true` → in-memory PGlite; `DATABASE_URL` in the environment → PostgreSQL; `dataDir` →
 * PGlite on disk. Anything else is a usage error.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const url = opts.url ?? (opts.memory ? undefined : (opts.env ?? process.env).DATABASE_URL || undefined);
  if (url) {
    const db = await openPg({
      url,
      poolSize: opts.poolSize ?? DEFAULT_POOL_SIZE,
      statementTimeoutMs: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      logger: opts.logger,
    });
    opts.logger?.info({ driver: 'pg', poolSize: opts.poolSize ?? DEFAULT_POOL_SIZE }, 'database open');
    return db;
  }
  if (opts.memory) return openPglite({});
  if (opts.dataDir) {
    const db = await openPglite({ dataDir: opts.dataDir });
    opts.logger?.info({ driver: 'pglite', dataDir: opts.dataDir }, 'database open');
    return db;
  }
  throw new TypeError('openDatabase: give url, dataDir or memory: true (or set DATABASE_URL)');
}
