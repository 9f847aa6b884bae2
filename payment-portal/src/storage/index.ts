/**
 * The portal's storage: a small Database interface over PostgreSQL (`pg`) or in-process PGlite,
 * plain-SQL migrations, and the repositories. See docs/storage.md.
 */
export { openDatabase } from './open-database.js';
export { migrate, readMigrations, MIGRATIONS_DIR, MIGRATION_LOCK_KEY } from './migrate.js';
export type { Migration, MigrateOptions, MigrateResult } from './migrate.js';
export { StorageError, toStorageError } from './errors.js';
export { ADVISORY_LOCK_CLASS } from './advisory-locks.js';
export type { StorageErrorCode } from './errors.js';
export type {
  Database,
  IsolationLevel,
  OpenDatabaseOptions,
  Queryable,
  QueryResult,
  Transaction,
  TransactionOptions,
} from './types.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from './pg-driver.js';
export { redeemPayment } from './repositories/redeem-payment.js';
export type { RedeemPaymentInput, RedeemPaymentResult } from './repositories/redeem-payment.js';
export { allocateReceiveAddress } from './repositories/allocate-receive-address.js';
export { insertReceiveAddresses, receiveAddressPoolState } from './repositories/insert-receive-addresses.js';
export type { ReceiveAddressRow } from './repositories/insert-receive-addresses.js';
export { reserveReceiveAddressIndexes } from './repositories/reserve-receive-address-indexes.js';
export { purgeExpiredInvoices, RETENTION_LOCK } from './repositories/purge-expired-invoices.js';
export type { PurgedRows } from './repositories/purge-expired-invoices.js';
export { purgeExpiredX402Rows, type PurgedX402Rows } from './repositories/purge-expired-x402-rows.js';
export { getCursor } from './repositories/get-cursor.js';
export type { WatcherCursor } from './repositories/get-cursor.js';
export { advanceCursor } from './repositories/advance-cursor.js';
export type { AdvanceCursorInput } from './repositories/advance-cursor.js';
export { acquireWatcherLease, releaseWatcherLease } from './repositories/watcher-lease.js';
