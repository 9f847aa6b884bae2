/** The Solana watcher: signature polling of the invoices' reference keys (docs/solana.md). */
export {
  createSolanaWatcher,
  startSolanaWatcher,
  type SolanaPassResult,
  type SolanaWatcher,
  type SolanaWatcherOptions,
} from './solana-watcher.js';
export { createSolanaSlotReader, SolanaSlotUnavailableError } from './slot-reader.js';
