import pg from 'pg';
import type { Logger } from '@turnpike/protocol/service';
import { StorageError, toStorageError, transactionError } from './errors.js';
import type { Database, QueryResult, Transaction, TransactionOptions } from './types.js';

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface PgDriverOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  logger?: Logger | undefined;
}

type PgQueryable = Pick<pg.PoolClient, 'query'>;

async function run<T>(target: PgQueryable, sql: string, params?: unknown[]): Promise<QueryResult<T>> {
  try {
    const result = await target.query(sql, params as unknown[]);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  } catch (err) {
    throw toStorageError(err);
  }
}

/** The `pg` driver: a connection pool; each transaction holds one pooled connection. */
export async function openPg(opts: PgDriverOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.statementTimeoutMs,
    // A transaction left open by a crashed request must not hold locks for ever.
    idle_in_transaction_session_timeout: Math.max(opts.statementTimeoutMs * 2, 30_000),
    application_name: 'turnpike-payment-portal',
  });
  // Without a listener an idle client's network error would crash the process.
  pool.on('error', (err) =>
    opts.logger?.error({ err: { message: err.message } }, 'database connection lost'),
  );

  const db: Database = {
    driver: 'pg',
    query: (sql, params) => run(pool, sql, params),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>, txOpts?: TransactionOptions): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStorageError(err);
      }
      let broken: Error | undefined;
      try {
        await run(
          client,
          txOpts?.isolation ? `BEGIN ISOLATION LEVEL ${txOpts.isolation.toUpperCase()}` : 'BEGIN',
        );
        const tx: Transaction = {
          query: (sql, params) => run(client, sql, params),
          // A parameterless multi-statement script goes through the simple protocol (one result per statement).
          exec: async (sql) => {
            try {
              await client.query(sql);
            } catch (err) {
              throw toStorageError(err);
            }
          },
        };
        const value = await fn(tx);
        await run(client, 'COMMIT');
        return value;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable; the pool must drop it rather than hand it out again.
          broken = rollbackErr as Error;
        }
        throw transactionError(err);
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };

  try {
    await db.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const e = toStorageError(err);
    throw new StorageError('connection_failed', `cannot connect to PostgreSQL: ${e.message}`, {
      cause: err,
      sqlState: e.sqlState,
    });
  }
  return db;
}
