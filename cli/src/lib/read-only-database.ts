import { openDatabase, type Database } from '@turnpike/payment-portal/storage';
import { CliError, UnavailableError } from '../errors.js';
import type { CliIo } from '../io.js';

/** How long to wait for PostgreSQL to accept the connection, and for one statement. */
export const DB_CONNECT_TIMEOUT_MS = 5_000;
export const DB_STATEMENT_TIMEOUT_MS = 15_000;

/**
 * `url` with `default_transaction_read_only=on` added to the connection's startup options: the
 * server itself then refuses any write on these connections, whatever a query says.
 */
export function readOnlyUrl(url: string): string {
  const parsed = new URL(url);
  const before = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${before ? `${before} ` : ''}-c default_transaction_read_only=on`);
  return parsed.toString();
}

/**
 * Opens the portal's PostgreSQL database named by DATABASE_URL, read-only, through the portal's
 * own storage layer (same driver, timeouts and error mapping).
 */
export async function openReadOnlyDatabase(io: CliIo): Promise<Database> {
  const url = io.env.DATABASE_URL;
  if (url === undefined || url === '')
    throw new CliError('database_url_missing', 'DATABASE_URL is not set', {
      hint: 'export DATABASE_URL=postgres://user:password@host:5432/turnpike (the portal database)',
    });
  let withOptions: string;
  try {
    withOptions = readOnlyUrl(url);
  } catch {
    throw new CliError('database_url_missing', 'DATABASE_URL is not a valid URL');
  }
  try {
    return await openDatabase({
      url: withOptions,
      poolSize: 2,
      connectTimeoutMs: DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: DB_STATEMENT_TIMEOUT_MS,
      env: {},
    });
  } catch (err) {
    throw new UnavailableError('database_unavailable', (err as Error).message, {
      hint: 'check DATABASE_URL, that PostgreSQL is up and that this host may connect',
      cause: err,
    });
  }
}

/** Runs `fn` with the read-only database and always closes it. */
export async function withReadOnlyDatabase<T>(io: CliIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openReadOnlyDatabase(io);
  try {
    return await fn(db);
  } catch (err) {
    if (err instanceof CliError) throw err;
    // 42P01 undefined_table: reachable, but not the portal's database or never migrated.
    const noSchema = (err as { sqlState?: string }).sqlState === '42P01';
    throw new UnavailableError('database_unavailable', `query failed: ${(err as Error).message}`, {
      cause: err,
      ...(noSchema
        ? {
            hint: "DATABASE_URL has no portal tables: is it the portal's database? The portal migrates at start, or run `payment-portal migrate --config <file>`",
          }
        : {}),
    });
  } finally {
    await db.close();
  }
}
