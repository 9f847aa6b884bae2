import { isError, keccak256, type JsonRpcProvider, type TransactionReceipt, type Wallet } from 'ethers';
import { REASONS } from '@turnpike/protocol';
import { Mutex } from '../../storage/mutex.js';
import { ProofRefusal } from '../context.js';
import type { SettleHooks } from './relayer.js';

/** Fee data is read at most this often per network (a send otherwise costs two more RPC calls). */
const FEE_TTL_MS = 3_000;
/** Gas limit headroom over the estimate: the state it was estimated on may move before it runs. */
const GAS_HEADROOM_PERCENT = 120n;
const RECEIPT_POLL_MS = 100;
/** Sends tried when the nonce turns out to be taken already (each with the chain's count again). */
const NONCE_ATTEMPTS = 3;
/** Times one signed transaction is handed to the node when the node does not answer. */
const BROADCAST_ATTEMPTS = 3;
const BROADCAST_PAUSE_MS = 100;
/** How long a finished call is remembered, so a copy that looked before it finished looks again. */
const FINISHED_MEMORY_MS = 60_000;

/** The node refused the nonce as used or in use (ethers' codes, and geth's and anvil's words). */
function isNonceConflict(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (code === 'NONCE_EXPIRED' || code === 'REPLACEMENT_UNDERPRICED') return true;
  return /nonce too low|nonce has already been used|already known|replacement transaction underpriced/i.test(
    errorText(err),
  );
}

/** The node never answered (timeout, connection refused, HTTP error): the send may have landed. */
function isUnanswered(err: unknown): boolean {
  return isError(err, 'TIMEOUT') || isError(err, 'SERVER_ERROR') || isError(err, 'NETWORK_ERROR');
}

function errorText(err: unknown): string {
  const e = err as {
    message?: unknown;
    error?: { message?: unknown };
    info?: { error?: { message?: unknown } };
  };
  return `${String(e.message ?? '')} ${String(e.error?.message ?? '')} ${String(e.info?.error?.message ?? '')}`;
}

type Fees = { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/** One contract call from the relayer; `key` names the settlement (copies share it). */
export interface LaneCall {
  to: string;
  data: string;
}

/**
 * One network's relayer lane. Only the numbering and the send are serialised (the account's
 * nonces in order): the caller's `beforeSend` check, the simulation of the call (eth_estimateGas;
 * a revert refuses it before gas is spent) and the fee read run before a settlement takes its
 * turn, concurrently with other settlements; waiting for the receipt and the credit run after it,
 * so settlements are pipelined — the next one is sent while earlier ones are being mined.
 *
 * Nonces come from a counter read once from the chain's pending count and kept in memory; a send
 * the node refused drops it, so the next send reads the chain again (after a restart too: the
 * pending count includes what the last process sent). The transaction is signed here and its hash
 * known before it is sent: a send the node did not answer is sent again byte for byte (the same
 * nonce and hash, so it can land at most once) and, when the node stays silent, its receipt is
 * still awaited — a settlement is neither lost nor paid twice because an answer was.
 * A call whose twin (same target and data) is in flight in this lane waits for that one's whole
 * outcome, credit included, then looks again: its `beforeSend` then finds the credit, instead of
 * the chain finding the authorization spent.
 */
export class RelayerLane {
  readonly #mutex = new Mutex();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** key → the #finishedCount when that call last finished (kept FINISHED_MEMORY_MS). */
  readonly #finished = new Map<string, { seq: number; at: number }>();
  #finishedCount = 0;
  #nonce: number | undefined;
  #fees: { value: Fees; readAt: number } | undefined;
  #feesReading: Promise<Fees> | undefined;

  constructor(
    readonly signer: Wallet,
    readonly provider: JsonRpcProvider,
    readonly chainId: bigint,
  ) {}

  async run<T>(
    call: LaneCall,
    receiptTimeoutMs: number,
    hooks: SettleHooks<T>,
    /** The refusal for a call the chain would revert (or one that could not be sent). */
    refusal: (cause: unknown) => ProofRefusal,
  ): Promise<T> {
    const key = keccak256(`${call.to.toLowerCase()}${call.data.slice(2)}`);
    for (;;) {
      const seen = this.#finishedCount;
      // Before the turn, concurrently with other settlements: the caller's check, the simulation,
      // and the fees (read once for all sends of the next few seconds).
      const [checked, simulated, fees] = await Promise.allSettled([
        hooks.beforeSend?.(),
        this.provider.estimateGas({ from: this.signer.address, to: call.to, data: call.data }),
        this.#feeData(),
      ]);
      if (checked.status === 'rejected' || simulated.status === 'rejected') {
        // A twin sent meanwhile (it spent the authorization): its outcome decides, then look again.
        const twin = this.#inFlight.get(key);
        if (twin !== undefined) {
          await twin.catch(() => undefined);
          continue;
        }
        if (this.#finishedSince(key, seen)) continue;
        if (checked.status === 'rejected') throw checked.reason;
        throw refusal((simulated as PromiseRejectedResult).reason);
      }
      if (fees.status === 'rejected')
        throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction could not be sent', {
          cause: fees.reason,
        });
      const turn = await this.#mutex.run(
        async (): Promise<{ twin: Promise<unknown> } | { again: true } | { mine: Promise<T> }> => {
          const inFlight = this.#inFlight.get(key);
          if (inFlight !== undefined) return { twin: inFlight };
          // It finished after this call's check looked: look again (its credit is there now).
          if (this.#finishedSince(key, seen)) return { again: true };
          const sent = await this.#send(call, simulated.value, fees.value);
          const mine = this.#finish(sent, receiptTimeoutMs, hooks);
          this.#inFlight.set(key, mine);
          const done = () => {
            this.#inFlight.delete(key);
            this.#remember(key);
          };
          mine.then(done, done);
          return { mine };
        },
      );
      if ('mine' in turn) return turn.mine;
      if ('twin' in turn) await turn.twin.catch(() => undefined);
    }
  }

  #finishedSince(key: string, seen: number): boolean {
    return (this.#finished.get(key)?.seq ?? -1) >= seen;
  }

  #remember(key: string): void {
    const now = Date.now();
    for (const [k, v] of this.#finished) {
      if (now - v.at < FINISHED_MEMORY_MS) break;
      this.#finished.delete(k);
    }
    this.#finished.delete(key);
    this.#finished.set(key, { seq: this.#finishedCount++, at: now });
  }

  /** Numbers, signs and sends the simulated call; resolves with its hash once the node has it (or may). */
  async #send(call: LaneCall, gas: bigint, fees: Fees): Promise<string> {
    const from = this.signer.address;
    for (let attempt = 1; ; attempt++) {
      let raw: string;
      let nonce: number;
      try {
        nonce = this.#nonce ??= await this.provider.getTransactionCount(from, 'pending');
        raw = await this.signer.signTransaction({
          to: call.to,
          data: call.data,
          nonce,
          gasLimit: (gas * GAS_HEADROOM_PERCENT) / 100n,
          chainId: this.chainId,
          ...fees,
        });
      } catch (cause) {
        this.#nonce = undefined;
        throw notSent(cause);
      }
      const hash = keccak256(raw);
      const outcome = await this.#broadcast(raw, hash);
      if (outcome.sent) {
        this.#nonce = nonce + 1;
        // The node never answered: the chain knows better than this counter whether it landed.
        if (outcome.uncertain) this.#nonce = undefined;
        return hash;
      }
      // Refused by the node: nothing of this nonce is pending; read the count again.
      this.#nonce = undefined;
      this.#fees = undefined;
      // Someone else used the nonce (another replica with the same key, a restart with sends in
      // flight): read the count again and take the next one.
      if (isNonceConflict(outcome.cause) && attempt < NONCE_ATTEMPTS) continue;
      throw notSent(outcome.cause);
    }
  }

  /**
   * Hands one signed transaction to the node. A node that does not answer gets the same bytes
   * again (idempotent: same nonce, same hash); after a silence, a refusal as "already known" or
   * "nonce too low" is checked against the hash itself.
   */
  async #broadcast(
    raw: string,
    hash: string,
  ): Promise<{ sent: true; uncertain: boolean } | { sent: false; cause: unknown }> {
    let unanswered = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.provider.send('eth_sendRawTransaction', [raw]);
        return { sent: true, uncertain: false };
      } catch (cause) {
        if (/already known/i.test(errorText(cause))) return { sent: true, uncertain: false };
        if (isUnanswered(cause)) {
          unanswered = true;
          // Silent every time: it may have landed; its receipt is awaited (and its nonce read again).
          if (attempt >= BROADCAST_ATTEMPTS) return { sent: true, uncertain: true };
          await new Promise((resolve) => setTimeout(resolve, BROADCAST_PAUSE_MS));
          continue;
        }
        if (unanswered && (await this.#known(hash))) return { sent: true, uncertain: false };
        return { sent: false, cause };
      }
    }
  }

  async #known(hash: string): Promise<boolean> {
    try {
      return (await this.provider.getTransaction(hash)) !== null;
    } catch {
      return false;
    }
  }

  /** The network's fees, read at most every FEE_TTL_MS (concurrent callers share one read). */
  #feeData(): Promise<Fees> {
    if (this.#fees !== undefined && Date.now() - this.#fees.readAt < FEE_TTL_MS)
      return Promise.resolve(this.#fees.value);
    this.#feesReading ??= (async () => {
      try {
        const data = await this.provider.getFeeData();
        let value: Fees;
        if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null)
          value = {
            type: 2,
            maxFeePerGas: data.maxFeePerGas,
            maxPriorityFeePerGas: data.maxPriorityFeePerGas,
          };
        else if (data.gasPrice !== null) value = { type: 0, gasPrice: data.gasPrice };
        else throw new Error('the RPC endpoint gave no fee data');
        this.#fees = { value, readAt: Date.now() };
        return value;
      } finally {
        this.#feesReading = undefined;
      }
    })();
    return this.#feesReading;
  }

  async #finish<T>(hash: string, receiptTimeoutMs: number, hooks: SettleHooks<T>): Promise<T> {
    const receipt = await pollReceipt(this.provider, hash, receiptTimeoutMs);
    if (receipt.status !== 1)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction failed');
    return hooks.afterMined ? hooks.afterMined(receipt) : (receipt as T);
  }
}

function notSent(cause: unknown): ProofRefusal {
  return new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction could not be sent', {
    cause,
  });
}

/**
 * Polls for the receipt. ethers' waitForTransaction waits for a *new block* when the receipt is
 * not there on its first look, which on a chain that mines only on demand never comes.
 */
async function pollReceipt(
  provider: JsonRpcProvider,
  hash: string,
  timeoutMs: number,
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let receipt: TransactionReceipt | null = null;
    try {
      receipt = await provider.getTransactionReceipt(hash);
    } catch {
      // A failed read is retried until the deadline; the transaction is already sent.
    }
    if (receipt !== null) return receipt;
    if (Date.now() > deadline)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction was not mined in time');
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS));
  }
}
