import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@turnpike/protocol/service';
import { StorageError } from './errors.js';
import type { Database } from './types.js';

/**
 * The SQL migrations: `dist/migrations/` in a build (`npm run build` copies them there, so dist/
 * runs on its own), else `payment-portal/migrations/` (from src/: tests, tsx).
 */
export const MIGRATIONS_DIR = resolveMigrationsDir();

function resolveMigrationsDir(): string {
  const inBuild = fileURLToPath(new URL('../migrations/', import.meta.url));
  return existsSync(inBuild) ? inBuild : fileURLToPath(new URL('../../migrations/', import.meta.url));
}

/** Key of the advisory lock that serialises migrations across replicas ("turnpike" migrations). */
export const MIGRATION_LOCK_KEY = 7_402_2024_0001n;

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrateOptions {
  dir?: string;
  logger?: Logger | undefined;
}

export interface MigrateResult {
  /** Versions this call applied (empty when the schema was already current). */
  applied: number[];
  /** Highest version now recorded. */
  current: number;
}

/** Reads `NNNN_name.sql` files in version order; a duplicate version or a stray file is an error. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of entries) {
    const match = FILE_NAME.exec(file);
    if (!match)
      throw new StorageError('migration_failed', `migration file ${file} is not named NNNN_name.sql`);
    const sql = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version))
      throw new StorageError('migration_failed', `two migrations have version ${version}`);
    migrations.push({
      version,
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies the pending migrations in order, each in its own transaction that first takes
 * `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)`: replicas starting at once queue on the lock, and
 * whoever comes second finds the version recorded and skips it, so every file runs exactly once.
 * An applied migration whose file has changed (checksum) is an error: fix forward with a new file.
 */
export async function migrate(db: Database, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(opts.dir);
  const applied: number[] = [];
  for (const m of migrations) {
    const didApply = await db
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
        await tx.query(CREATE_TABLE);
        const existing = await tx.query<{ checksum: string }>(
          'SELECT checksum FROM schema_migrations WHERE version = $1',
          [m.version],
        );
        const row = existing.rows[0];
        if (row) {
          if (row.checksum !== m.checksum) {
            throw new StorageError(
              'migration_failed',
              `migration ${m.version}_${m.name} was changed after it was applied (checksum differs)`,
            );
          }
          return false;
        }
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof StorageError && err.code === 'migration_failed') throw err;
        throw new StorageError(
          'migration_failed',
          `migration ${m.version}_${m.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      });
    if (didApply) {
      applied.push(m.version);
      opts.logger?.info({ version: m.version, migration: m.name }, 'migration applied');
    }
  }
  const current = migrations.at(-1)?.version ?? 0;
  return { applied, current };
}
