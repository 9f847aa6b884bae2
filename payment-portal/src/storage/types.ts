import type { Logger } from '@turnpike/protocol/service';

/** A result set. `bigint` and `numeric` columns arrive as decimal strings, `timestamptz` as Date, `jsonb` parsed. */
export interface QueryResult<T> {
  rows: T[];
  /** Rows returned, or rows changed by an INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
}

/** Anything that runs one parameterised SQL statement: the database or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

/** An open transaction. `exec` runs a parameterless script of several statements (migrations). */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default `read committed`. */
  isolation?: IsolationLevel;
}

export interface Database extends Queryable {
  readonly driver: 'pg' | 'pglite';
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. Inside `fn`
   * use only `tx`: on PGlite a query on the database itself would wait for this very transaction,
   * so it is refused with StorageError `nested_query` instead of hanging.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; selects the `pg` driver. */
  url?: string | undefined;
  /** PGlite data directory (created when missing); selects on-disk PGlite. */
  dataDir?: string | undefined;
  /** In-memory PGlite (tests). */
  memory?: boolean | undefined;
  /** `pg` pool size. Default 10. */
  poolSize?: number | undefined;
  /** `pg` only: server-side statement_timeout. Default 15000. */
  statementTimeoutMs?: number | undefined;
  /** `pg` only: how long to wait for a connection. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** Consulted for DATABASE_URL; default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
}
