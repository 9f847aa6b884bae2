import type { NetworkRegistry } from '@turnpike/protocol';
import type { PortalEvents, SettlementFailure } from '../../events/portal-events.js';
import { ledgerAmount, type LedgerAmount } from './ledger-amount.js';

/** How many settlement failures each replica keeps for the dashboard (oldest dropped first). */
export const SETTLEMENT_FAILURES_KEPT = 200;

export interface RecordedSettlementFailure extends LedgerAmount {
  at: string;
  host: string;
  mode: 'relayer' | 'facilitator';
  /** A REASONS value. */
  reason: string;
}

/**
 * The recent x402 settlement failures of this replica, in memory (a bounded ring: nothing about an
 * unpaid attempt is written to the database, which unauthenticated traffic must not fill). Each
 * replica shows its own; the `settlement.failed` event lines and the refusal metrics hold them all.
 */
export interface SettlementFailureLog {
  record(failure: SettlementFailure, at?: Date): void;
  /** Newest first. */
  recent(limit: number): RecordedSettlementFailure[];
}

export function createSettlementFailureLog(
  registry: NetworkRegistry,
  capacity = SETTLEMENT_FAILURES_KEPT,
): SettlementFailureLog {
  const ring: RecordedSettlementFailure[] = [];
  return {
    record(f, at = new Date()) {
      ring.push({
        ...ledgerAmount(registry, f.network, f.asset, f.amountAtomic),
        at: at.toISOString(),
        host: f.host,
        mode: f.mode,
        reason: f.reason,
      });
      if (ring.length > capacity) ring.splice(0, ring.length - capacity);
    },
    recent: (limit) => ring.slice(-limit).reverse(),
  };
}

/** `events` with every settlementFailed also recorded in `log`. */
export function recordingSettlementFailures(events: PortalEvents, log: SettlementFailureLog): PortalEvents {
  return {
    ...events,
    settlementFailed(failure) {
      log.record(failure);
      events.settlementFailed(failure);
    },
  };
}
