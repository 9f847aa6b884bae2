import {
  fromWire,
  isProtocolError,
  paymentRequestDigest,
  REASONS,
  type NetworkRegistry,
  type SettleRequest,
  type SettleResponse,
  type SolanaNetwork,
} from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { resolveTarget } from '../../invoices/resolve-target.js';
import { findBoundGrant } from '../../ledger/index.js';
import { redeemPayment, type Database } from '../../storage/index.js';
import { issueToken } from '../../tokens/issue-token.js';
import type { SigningKeySet } from '../../tokens/signing-keys.js';
import { ProofRefusal } from '../context.js';
import type { CreditedPayment, PortalEvents } from '../../events/portal-events.js';
import { grantAgain } from '../grant-response.js';
import { txBindingOf, type TxBinding } from '../tx-binding.js';
import { creditSealedSolana } from './credit-sealed.js';
import { readSolanaPayment } from './read-payment.js';
import { isBase58OfLength } from './reference-key.js';
import { SolanaRpcUnavailableError, type SolanaRpcClient } from './rpc.js';
import {
  creditSolanaReferences,
  findOffersByReferences,
  recordSolanaPayment,
  SOLANA_LOG_INDEX,
  type SolanaOfferRow,
} from './store.js';
import { allAccountKeys, parseSolanaTx, predatesInvoice, type SolanaTx } from './tx-schema.js';

export interface SolanaVerifyDeps {
  db: Database;
  registry: NetworkRegistry;
  keys: SigningKeySet;
  issuer: string;
  /** Whether a payment landing after the invoice expired still unlocks (config invoice.latePaymentUnlocks). */
  latePaymentUnlocks: boolean;
  /** The RPC client of a Solana network, or undefined when none is configured. */
  rpcFor(network: string): SolanaRpcClient | undefined;
  /** Tolerance between the cluster's block time and our clock for the freshness check (default 60 s). */
  clockSkewMs?: number;
  logger?: Logger;
  /** Opens sealed API challenges (SealKeys.challenge). */
  challengeKey: Buffer;
  /** The owner's Solana wallet (`wallets.solana.address`): where sealed challenges are paid. */
  solanaWallet: string | undefined;
  /** The site owning the proof's host (docs/sites.md); `solanaWallet` is its wallet. Absent = `default`. */
  siteId?: string;
  onTokenIssued?: () => void;
  /** Event lines and revenue metrics of credits and tokens. */
  events?: PortalEvents;
  now?: () => number;
}

type Refusal = Extract<SettleResponse, { ok: false }>;
const refuse = (reason: string, message: string, retryAfterSeconds?: number): Refusal =>
  retryAfterSeconds === undefined
    ? { ok: false, reason, message }
    : { ok: false, reason, message, retryAfterSeconds };

/**
 * Verifies a `{ type: 'tx', network, tx }` proof on a Solana network and, when it holds, credits
 * the invoice once and issues the token. The order of checks:
 *
 * 1. the network is a configured Solana network the request offers; the signature is 64 bytes of base58;
 * 2. `getTransaction` at the network's commitment (null → `getSignatureStatuses`: below the
 *    commitment → payment_pending with Retry-After, failed → payment_reverted, else payment_not_found);
 * 3. meta.err → payment_reverted;
 * 4. binding: exactly one of our offers' reference keys is among the transaction's accounts, and
 *    its invoice was made for this host, resource and requirement (else payment_unbound);
 * 5. what reached the offer's wallet, from the balances (readSolanaPayment): another asset →
 *    payment_wrong_asset, nothing → payment_wrong_recipient; block time before the invoice → payment_too_old;
 * 6. in one transaction, with the invoice row locked: record the payment, recompute the invoice,
 *    and claim it (redeemed_at set once); the (network, signature, 0) redemption is the unique key.
 *    Below the amount → payment_underpaid (the payment stays recorded: a top-up adds to it);
 *    already claimed → payment_already_redeemed.
 */
export async function verifySolanaTxProof(
  deps: SolanaVerifyDeps,
  body: SettleRequest,
): Promise<SettleResponse> {
  const proof = body.proof;
  if (proof.type !== 'tx')
    return refuse(REASONS.PROOF_UNSUPPORTED, 'only transaction proofs are verified on Solana');
  const network = deps.registry.get(proof.network);
  if (!network) return refuse(REASONS.PAYMENT_CHAIN_UNKNOWN, `unknown network "${proof.network}"`);
  if (network.kind !== 'solana')
    return refuse(REASONS.PAYMENT_WRONG_NETWORK, `"${network.name}" is not a Solana network`);

  let target;
  let digest;
  try {
    const request = fromWire(body.request, deps.registry);
    if (!request.offers.some((o) => o.network === network.name)) {
      return refuse(REASONS.PAYMENT_WRONG_NETWORK, `this resource is not offered on ${network.name}`);
    }
    target = resolveTarget(body, request);
    digest = paymentRequestDigest(request);
  } catch (err) {
    if (isProtocolError(err)) return refuse(err.code, err.detail ?? err.message);
    throw err;
  }
  const signature = proof.tx.trim();
  if (!isBase58OfLength(signature, 64))
    return refuse(REASONS.PAYMENT_TX_MALFORMED, 'a Solana transaction signature is 64 bytes of base58');
  const rpc = deps.rpcFor(network.name);
  if (!rpc) return refuse(REASONS.PAYMENT_CHAIN_UNKNOWN, `no RPC endpoint is configured for ${network.name}`);
  let binding: TxBinding;
  try {
    binding = txBindingOf(body as SettleRequest & { proof: typeof proof }, deps.challengeKey);
    if (binding.kind === 'sealed') {
      const known = await findBoundGrant(deps.db, binding.binding);
      if (known !== null) return await grantAgain(deps, known, { network: network.name, tx: signature });
    }
  } catch (err) {
    if (err instanceof ProofRefusal) return refuse(err.code, err.message);
    throw err;
  }

  let tx: SolanaTx;
  try {
    const found = await fetchTransaction(rpc, network, signature);
    if ('ok' in found) return found;
    tx = found;
  } catch (err) {
    if (err instanceof SolanaRpcUnavailableError) {
      deps.logger?.warn({ network: network.name, err: err.message }, 'Solana RPC unavailable during settle');
      return refuse(REASONS.CHAIN_UNAVAILABLE, `${network.name} could not be reached; try again`, 5);
    }
    throw err;
  }
  if (tx.meta === null) return refuse(REASONS.PAYMENT_NOT_FOUND, 'the transaction has no status metadata');
  if (tx.meta.err !== null && tx.meta.err !== undefined)
    return refuse(REASONS.PAYMENT_REVERTED, 'the transaction failed on chain');

  if (binding.kind === 'sealed') {
    try {
      return await creditSealedSolana(deps, body, network, {
        claims: binding.claims,
        binding: binding.binding,
        signature,
        tx,
      });
    } catch (err) {
      if (err instanceof ProofRefusal) return refuse(err.code, err.message);
      throw err;
    }
  }
  const named = binding.kind === 'recorded' ? binding.invoiceId : undefined;
  // Only recorded API challenges: a pay-page invoice's grant goes to its own browser session.
  const offers = (await findOffersByReferences(deps.db, network.name, allAccountKeys(tx))).filter(
    (o) => o.invoice.source === 'challenge' && (named === undefined || o.invoiceId === named),
  );
  if (offers.length === 0)
    return refuse(
      REASONS.PAYMENT_UNBOUND,
      'the transaction carries no payment reference issued by this portal',
    );
  if (offers.length > 1)
    return refuse(REASONS.PAYMENT_UNBOUND, 'the transaction names several payment references');
  const offer = offers[0] as SolanaOfferRow;
  const inv = offer.invoice;
  if (
    inv.host.toLowerCase() !== target.host.toLowerCase() ||
    inv.resource !== target.resource ||
    inv.requestDigest !== digest
  ) {
    return refuse(REASONS.PAYMENT_UNBOUND, 'the transaction paid for another resource or price');
  }

  const paid = readSolanaPayment(tx, offer);
  if (!paid.ok) return refuse(paid.reason, paid.message);
  const skew = deps.clockSkewMs ?? 60_000;
  if (predatesInvoice(tx, inv.createdAt, skew))
    return refuse(REASONS.PAYMENT_TOO_OLD, 'the transaction is older than the invoice');

  const outcome = await claim(deps, network, offer, {
    signature,
    payer: paid.payer,
    amount: paid.amount,
    slot: tx.slot,
  });
  if (!outcome.ok) {
    deps.logger?.info(
      { network: network.name, invoice: offer.invoiceId, reason: outcome.reason },
      'Solana proof refused',
    );
    return outcome;
  }
  const { token, claims } = await issueToken(deps.keys, {
    issuer: deps.issuer,
    host: inv.host,
    resource: inv.resource,
    claims: inv.claims,
    issuedAt: outcome.issuedAt,
    expiresAt: outcome.expiresAt,
    jti: outcome.jti,
    payer: paid.payer,
    payment: { network: network.name, tx: signature, invoice: offer.invoiceId },
    site: inv.siteId,
  });
  deps.logger?.info(
    { network: network.name, invoice: offer.invoiceId, amount: paid.amount.toString() },
    'Solana payment settled',
  );
  return { ok: true, token, claims: claims as Record<string, unknown> };
}

async function fetchTransaction(
  rpc: SolanaRpcClient,
  network: SolanaNetwork,
  signature: string,
): Promise<SolanaTx | Refusal> {
  const raw = await rpc.getTransaction(signature, network.commitment);
  if (raw === null || raw === undefined) {
    const status = await rpc.getSignatureStatus(signature);
    if (status === null) return refuse(REASONS.PAYMENT_NOT_FOUND, `no such transaction on ${network.name}`);
    if (status.err !== null && status.err !== undefined)
      return refuse(REASONS.PAYMENT_REVERTED, 'the transaction failed on chain');
    // Seen, not yet at the commitment: confirmed comes within a second or two, finalized in ~13 s.
    return refuse(
      REASONS.PAYMENT_PENDING,
      `the transaction is ${status.confirmationStatus ?? 'processed'}, not yet ${network.commitment}`,
      network.commitment === 'finalized' ? 15 : 2,
    );
  }
  return (
    parseSolanaTx(raw, signature) ??
    refuse(
      REASONS.PAYMENT_NOT_FOUND,
      'the RPC answered a transaction this portal cannot read, or another one',
    )
  );
}

type Claimed = { ok: true; jti: string; issuedAt: Date; expiresAt: Date } | Refusal;

async function claim(
  deps: SolanaVerifyDeps,
  network: SolanaNetwork,
  offer: SolanaOfferRow,
  paid: { signature: string; payer: string; amount: bigint; slot: bigint },
): Promise<Claimed> {
  // What this claim credited, reported once its transaction committed.
  let credited: CreditedPayment[] = [];
  return deps.db
    .transaction(async (q): Promise<Claimed> => {
      credited = [];
      // The invoice row lock serialises every settle of this invoice (and the watcher's crediting).
      const locked = await q.query<{ redeemed_at: Date | null }>(
        'SELECT redeemed_at FROM invoices WHERE id = $1 FOR UPDATE',
        [offer.invoiceId],
      );
      if (!locked.rows[0]) return refuse(REASONS.INVOICE_NOT_FOUND, 'the invoice is gone');
      if (locked.rows[0].redeemed_at !== null) {
        // The same proof presented again gets the grant it bought, while that grant lasts.
        const own = await q.query<{ token_jti: string; token_expires_at: Date; redeemed_at: Date }>(
          `SELECT i.token_jti, i.token_expires_at, i.redeemed_at FROM invoices i
           JOIN redemptions r ON r.invoice_id = i.id
           WHERE i.id = $1 AND r.network = $2 AND r.tx_hash = $3 AND r.log_index = $4
             AND i.token_jti IS NOT NULL AND i.token_expires_at > now()`,
          [offer.invoiceId, network.name, paid.signature, SOLANA_LOG_INDEX],
        );
        const grant = own.rows[0];
        if (grant === undefined)
          return refuse(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment was already redeemed');
        return {
          ok: true as const,
          jti: grant.token_jti,
          issuedAt: grant.redeemed_at,
          expiresAt: grant.token_expires_at,
        };
      }
      await recordSolanaPayment(q, {
        network: network.name,
        signature: paid.signature,
        offer,
        payer: paid.payer,
        amount: paid.amount,
        slot: paid.slot,
      });
      credited = (await creditSolanaReferences(q, network.name, [offer.reference])).credited;
      const grant = await q.query<{ token_jti: string; token_expires_at: Date; redeemed_at: Date }>(
        `UPDATE invoices
       SET token_jti = gen_random_uuid()::text,
           token_expires_at = now() + make_interval(secs => token_lifetime_ms::double precision / 1000),
           redeemed_at = now(),
           status = CASE WHEN status = 'paid' THEN 'redeemed' ELSE status END
       WHERE id = $1 AND redeemed_at IS NULL AND (status = 'paid' OR (status = 'expired' AND late_credited AND $2))
       RETURNING token_jti, token_expires_at, redeemed_at`,
        [offer.invoiceId, deps.latePaymentUnlocks],
      );
      const row = grant.rows[0];
      if (!row) {
        const state = await q.query<{ status: string; received: string; amount: string }>(
          `SELECT i.status, o.received_atomic AS received, o.amount_atomic AS amount
         FROM invoices i JOIN invoice_offers o ON o.invoice_id = i.id WHERE o.id = $1`,
          [offer.offerId],
        );
        const s = state.rows[0];
        if (s && BigInt(s.received) >= BigInt(s.amount))
          return refuse(REASONS.PAYMENT_EXPIRED, 'the invoice expired before it was paid');
        const left = s ? BigInt(s.amount) - BigInt(s.received) : offer.amountAtomic;
        return refuse(REASONS.PAYMENT_UNDERPAID, `${left} atomic units still due`);
      }
      const redeemed = await redeemPayment(q, {
        network: network.name,
        txHash: paid.signature,
        logIndex: SOLANA_LOG_INDEX,
        invoiceId: offer.invoiceId,
        payer: paid.payer,
        asset: offer.assetKind === 'native' ? 'native' : (offer.mint ?? ''),
        amountAtomic: paid.amount,
        blockNumber: paid.slot,
      });
      if (!redeemed.ok) {
        // Already recorded by the crediting above (or by the watcher): fine when it is this invoice's.
        const owner = await q.query<{ invoice_id: string | null }>(
          'SELECT invoice_id FROM redemptions WHERE network = $1 AND tx_hash = $2 AND log_index = $3',
          [network.name, paid.signature, SOLANA_LOG_INDEX],
        );
        if (owner.rows[0]?.invoice_id !== offer.invoiceId) throw new AlreadyRedeemedElsewhere();
      } else {
        credited.push({
          invoiceId: offer.invoiceId,
          host: offer.invoice.host,
          network: network.name,
          txHash: paid.signature,
          logIndex: SOLANA_LOG_INDEX,
          asset: offer.assetKind === 'native' ? 'native' : (offer.mint ?? ''),
          amountAtomic: paid.amount,
          dialect: 'tx',
        });
      }
      return {
        ok: true as const,
        jti: row.token_jti,
        issuedAt: row.redeemed_at,
        expiresAt: row.token_expires_at,
      };
    })
    .then((committed) => {
      // Committed (a refusal returned, not thrown, commits too: a late payment is still credited).
      if (credited.length > 0) deps.events?.paymentsCredited(credited);
      return committed;
    })
    .catch((err: unknown) => {
      if (
        err instanceof AlreadyRedeemedElsewhere ||
        (err as { cause?: unknown }).cause instanceof AlreadyRedeemedElsewhere
      ) {
        return refuse(REASONS.PAYMENT_ALREADY_REDEEMED, 'this payment was already redeemed');
      }
      throw err;
    });
}

/** Thrown inside the claim transaction so that it rolls back (the grant must not stand). */
class AlreadyRedeemedElsewhere extends Error {
  constructor() {
    super('the transaction was redeemed for another invoice');
    this.name = 'AlreadyRedeemedElsewhere';
  }
}
