export type StorageErrorCode =
  | 'unique_violation'
  | 'serialization_failure'
  | 'deadlock_detected'
  | 'statement_timeout'
  | 'connection_failed'
  | 'migration_failed'
  | 'nested_query'
  | 'query_failed';

/** A storage failure with a stable `code`; `sqlState` and `constraint` when PostgreSQL gave them. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    opts: { cause?: unknown; sqlState?: string | undefined; constraint?: string | undefined } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StorageError';
    this.code = code;
    this.sqlState = opts.sqlState;
    this.constraint = opts.constraint;
  }
}

const SQLSTATE_CODES: Record<string, StorageErrorCode> = {
  '23505': 'unique_violation',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '57014': 'statement_timeout',
  '57P01': 'connection_failed',
  '57P02': 'connection_failed',
  '57P03': 'connection_failed',
};
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Maps a driver error (pg or PGlite; both carry the SQLSTATE in `code`) to a StorageError. */
export function toStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  const sqlState = typeof e?.code === 'string' ? e.code : undefined;
  const constraint = typeof e?.constraint === 'string' ? e.constraint : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  let code: StorageErrorCode = 'query_failed';
  if (sqlState && SQLSTATE_CODES[sqlState]) code = SQLSTATE_CODES[sqlState];
  else if (sqlState?.startsWith('08') || (sqlState && NETWORK_ERRNOS.has(sqlState)))
    code = 'connection_failed';
  else if (/Connection terminated|timeout exceeded when trying to connect/i.test(message))
    code = 'connection_failed';
  return new StorageError(code, message, { cause: err, sqlState, constraint });
}

/**
 * What a transaction rethrows after rolling back: the caller's own errors pass unchanged (a
 * ProtocolError thrown inside the callback keeps its reason), driver errors become StorageErrors.
 * A driver error is recognised by its SQLSTATE (five digits/capitals) or a network errno.
 */
export function transactionError(err: unknown): unknown {
  if (err instanceof StorageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const fromDriver = typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || NETWORK_ERRNOS.has(code));
  return fromDriver ? toStorageError(err) : err;
}
