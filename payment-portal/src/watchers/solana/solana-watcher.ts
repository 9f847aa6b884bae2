import type { SolanaNetwork } from '@turnpike/protocol';
import { mapLimit, type Logger } from '@turnpike/protocol/service';
import type { RefreshResult } from '../../invoices/refresh-invoices.js';
import { readSolanaPayment } from '../../proofs/solana/read-payment.js';
import type { SignatureInfo, SolanaRpcClient } from '../../proofs/solana/rpc.js';
import {
  creditSolanaReferences,
  findOffersByReferences,
  knownSignatures,
  lockInvoices,
  recordSolanaPayment,
  watchedSolanaOffers,
  type SolanaOfferRow,
  type SolanaPaymentInput,
} from '../../proofs/solana/store.js';
import { allAccountKeys, parseSolanaTx, predatesInvoice } from '../../proofs/solana/tx-schema.js';
import {
  acquireWatcherLease,
  advanceCursor,
  releaseWatcherLease,
  type Database,
} from '../../storage/index.js';
import { createPassLoop } from '../pass-loop.js';
import { createWatcherHealth, type WatcherHealth } from '../watcher-health.js';

export interface SolanaWatcherOptions {
  db: Database;
  network: SolanaNetwork;
  rpc: SolanaRpcClient;
  pollIntervalMs: number;
  /** Keep watching an expired invoice's reference this long, so late payments are still credited. */
  lateGraceMs: number;
  /** This replica's id for the lease. */
  owner: string;
  logger: Logger;
  /** Most open offers polled per pass (oldest first). Default 2000. */
  maxOffersPerPass?: number;
  /** RPC calls in flight at once. Default 4. */
  concurrency?: number;
  /** Signatures asked per reference per pass (newest first). Default 20. */
  signaturesPerReference?: number;
  /** Tolerance between block time and our clock for the freshness check. Default 60 s. */
  clockSkewMs?: number;
  onChange?: (result: RefreshResult) => void;
  /**
   * The current slot (createSolanaSlotReader), asked first in every pass so the pass proves the
   * RPC answers even with no open offer. Without it a pass with nothing to poll calls no RPC.
   */
  readSlot?: () => Promise<bigint>;
  /** Where the watcher records its passes (default: its own, without RPC endpoints). */
  health?: WatcherHealth;
}

export interface SolanaPassResult {
  scanned: boolean;
  /** References polled. */
  polled: number;
  /** New payments recorded. */
  recorded: number;
  changed: RefreshResult['changed'];
}

export interface SolanaWatcher {
  readonly network: string;
  /** Its last passes, slot and RPC endpoints (for /readyz; reading it calls nothing). */
  readonly health: WatcherHealth;
  /** One polling pass (tests drive it directly). */
  pass(): Promise<SolanaPassResult>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The watcher of one Solana network, by signature polling (Solana Pay's way of finding a payment):
 * each pass, under the network's lease in the database (one replica polls at a time),
 *
 * 1. takes the open offers' reference keys (and recently expired ones, for late payments);
 * 2. asks `getSignaturesForAddress(reference)` at the network's commitment for each, with bounded
 *    concurrency and a timeout per call; drops signatures already recorded (one SQL query);
 * 3. reads each new transaction with `getTransaction` at the commitment and judges it exactly as
 *    the settle verifier does (readSolanaPayment: right wallet, right asset, amount from balances;
 *    one reference only; not older than the invoice); failed transactions are skipped;
 * 4. in ONE database transaction records the payments (unique network, signature, 0 — idempotent
 *    across replicas and the settle API) and moves the invoices (seen → paid; a transaction read
 *    at the commitment is final, so there is no "confirming" count on Solana).
 *
 * A crash anywhere before the commit leaves nothing half-done: the next pass finds the same
 * signatures still unrecorded.
 */
export function createSolanaWatcher(opts: SolanaWatcherOptions): SolanaWatcher {
  const { db, network, rpc, logger } = opts;
  const name = network.name;
  const leaseTtlMs = Math.max(15_000, opts.pollIntervalMs * 5);
  const concurrency = opts.concurrency ?? 4;
  const perReference = opts.signaturesPerReference ?? 20;
  const skew = opts.clockSkewMs ?? 60_000;
  const health = opts.health ?? createWatcherHealth({ network: name, kind: 'solana' });
  // Signatures judged not to pay their offer: not fetched again by this replica.
  const rejected = new Set<string>();

  async function judge(offer: SolanaOfferRow, info: SignatureInfo): Promise<SolanaPaymentInput | null> {
    const raw = await rpc.getTransaction(info.signature, network.commitment);
    if (raw === null || raw === undefined) return null; // not at the commitment yet on this node: next pass
    const tx = parseSolanaTx(raw, info.signature);
    const reject = (why: string) => {
      if (rejected.size >= 10_000) rejected.clear();
      rejected.add(info.signature);
      logger.info(
        { network: name, invoice: offer.invoiceId, signature: info.signature, why },
        'transaction not credited',
      );
      return null;
    };
    if (tx === null) return reject('unreadable');
    const named = await findOffersByReferences(db, name, allAccountKeys(tx));
    if (named.length !== 1 || named[0]?.offerId !== offer.offerId) return reject('names several references');
    const paid = readSolanaPayment(tx, offer);
    if (!paid.ok) return reject(paid.reason);
    if (predatesInvoice(tx, offer.invoice.createdAt, skew)) return reject('older than the invoice');
    return {
      network: name,
      signature: info.signature,
      offer,
      payer: paid.payer,
      amount: paid.amount,
      slot: tx.slot,
    };
  }

  async function pass(): Promise<SolanaPassResult> {
    if (opts.readSlot) health.chainAt(await opts.readSlot());
    await advanceCursor(db, { network: name, expectedBlock: null, toBlock: 0n });
    if (!(await acquireWatcherLease(db, name, opts.owner, leaseTtlMs)))
      return { scanned: false, polled: 0, recorded: 0, changed: [] };
    const offers = await watchedSolanaOffers(db, name, opts.lateGraceMs, opts.maxOffersPerPass ?? 2_000);
    const listed = await mapLimit(offers, concurrency, async (offer) => {
      const sigs = await rpc.getSignaturesForAddress(offer.reference, {
        commitment: network.commitment,
        limit: perReference,
      });
      return sigs
        .filter((s) => (s.err === null || s.err === undefined) && !rejected.has(s.signature))
        .map((s) => ({ offer, info: s }));
    });
    const candidates = listed.flat();
    const known = await knownSignatures(
      db,
      name,
      candidates.map((c) => c.info.signature),
    );
    const fresh = candidates.filter((c) => !known.has(c.info.signature));
    const judged = await mapLimit(fresh, concurrency, (c) => judge(c.offer, c.info));
    const payments = judged.filter((p): p is SolanaPaymentInput => p !== null);
    if (payments.length === 0) return { scanned: true, polled: offers.length, recorded: 0, changed: [] };

    const result = await db.transaction(async (q) => {
      await lockInvoices(
        q,
        payments.map((p) => p.offer.invoiceId),
      );
      for (const p of payments) await recordSolanaPayment(q, p);
      return creditSolanaReferences(q, name, [...new Set(payments.map((p) => p.offer.reference))]);
    });
    logger.info({ network: name, payments: payments.length }, 'Solana payments recorded');
    for (const id of result.lateCredited)
      logger.warn({ network: name, invoice: id }, 'payment credited after the invoice expired');
    if (result.changed.length > 0 || result.lateCredited.length > 0 || result.credited.length > 0)
      opts.onChange?.(result);
    return { scanned: true, polled: offers.length, recorded: payments.length, changed: result.changed };
  }

  const loop = createPassLoop({
    pass,
    intervalMs: opts.pollIntervalMs,
    onPassDone: (_ms, ok) => {
      if (ok) health.passSucceeded();
    },
    onError: (err) => {
      health.passFailed(err);
      logger.warn(
        { network: name, err: err instanceof Error ? err.message : String(err) },
        'Solana poll pass failed',
      );
    },
    onStopped: () =>
      releaseWatcherLease(db, name, opts.owner).then(
        () => undefined,
        () => undefined,
      ),
  });
  return { network: name, health, pass, start: loop.start, stop: loop.stop };
}

/** Creates and starts the watcher; `stop()` ends polling and gives the lease up. */
export function startSolanaWatcher(opts: SolanaWatcherOptions): SolanaWatcher {
  const watcher = createSolanaWatcher(opts);
  watcher.start();
  return watcher;
}
