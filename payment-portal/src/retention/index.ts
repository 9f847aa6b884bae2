/** Retention of expired invoices (docs/storage.md, "Retention"). */
export { runRetentionRound, type RetentionRound } from './run-round.js';
export { retentionGraceMs, RETENTION_MARGIN_MS } from './grace.js';
export { RETENTION_LOCK } from '../storage/index.js';
