import { keccak256, type JsonRpcProvider, type TransactionReceipt, type Wallet } from 'ethers';
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

/** The node refused the nonce as used or in use (ethers' codes, and geth's and anvil's words). */
function isNonceConflict(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (code === 'NONCE_EXPIRED' || code === 'REPLACEMENT_UNDERPRICED') return true;
  return /nonce too low|nonce has already been used|already known|replacement transaction underpriced/i.test(
    String((err as { message?: unknown }).message ?? ''),
  );
}

type Fees = { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/** One contract call from the relayer; `key` names the settlement (copies share it). */
export interface LaneCall {
  to: string;
  data: string;
}

/**
 * One network's relayer lane. Sends are serialised (the account's nonces in order, the caller's
 * `beforeSend` and a simulation of the call just before each send), but only sends: waiting for
 * the receipt and the credit run outside the lane, so settlements are pipelined — the next one is
 * sent while earlier ones are being mined.
 *
 * Nonces come from a counter read once from the chain's pending count and kept in memory; any
 * failed or uncertain send drops it, so the next send reads the chain again (after a restart too).
 * A call whose twin (same target and data) is still in flight in this lane waits for that one's
 * whole outcome, credit included, then takes its turn again: its `beforeSend` then finds the
 * credit, instead of the chain finding the authorization spent.
 */
export class RelayerLane {
  readonly #mutex = new Mutex();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #nonce: number | undefined;
  #fees: { value: Fees; readAt: number } | undefined;

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
      const turn = await this.#mutex.run(
        async (): Promise<{ twin: Promise<unknown> } | { mine: Promise<T> }> => {
          const twin = this.#inFlight.get(key);
          if (twin !== undefined) return { twin };
          await hooks.beforeSend?.();
          const hash = await this.#send(call, refusal);
          const mine = this.#finish(hash, receiptTimeoutMs, hooks);
          this.#inFlight.set(key, mine);
          const done = () => void this.#inFlight.delete(key);
          mine.then(done, done);
          return { mine };
        },
      );
      if ('mine' in turn) return turn.mine;
      await turn.twin.catch(() => undefined);
    }
  }

  /** Simulates the call (a revert refuses it, spending nothing), then signs and sends it. */
  async #send(call: LaneCall, refusal: (cause: unknown) => ProofRefusal): Promise<string> {
    const from = this.signer.address;
    let gas: bigint;
    try {
      gas = await this.provider.estimateGas({ from, to: call.to, data: call.data });
    } catch (cause) {
      throw refusal(cause);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        this.#nonce ??= await this.provider.getTransactionCount(from, 'pending');
        const fees = await this.#feeData();
        const sent = await this.signer.sendTransaction({
          to: call.to,
          data: call.data,
          nonce: this.#nonce,
          gasLimit: (gas * GAS_HEADROOM_PERCENT) / 100n,
          chainId: this.chainId,
          ...fees,
        });
        this.#nonce++;
        return sent.hash;
      } catch (cause) {
        // Sent or not, the chain now knows better than this counter.
        this.#nonce = undefined;
        this.#fees = undefined;
        // Someone else used the nonce (another replica with the same key, a restart with sends in
        // flight): read the count again and take the next one.
        if (isNonceConflict(cause) && attempt < NONCE_ATTEMPTS) continue;
        throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction could not be sent', {
          cause,
        });
      }
    }
  }

  async #feeData(): Promise<Fees> {
    const now = Date.now();
    if (this.#fees !== undefined && now - this.#fees.readAt < FEE_TTL_MS) return this.#fees.value;
    const data = await this.provider.getFeeData();
    let value: Fees;
    if (data.maxFeePerGas !== null && data.maxPriorityFeePerGas !== null)
      value = { type: 2, maxFeePerGas: data.maxFeePerGas, maxPriorityFeePerGas: data.maxPriorityFeePerGas };
    else if (data.gasPrice !== null) value = { type: 0, gasPrice: data.gasPrice };
    else throw new Error('the RPC endpoint gave no fee data');
    this.#fees = { value, readAt: now };
    return value;
  }

  async #finish<T>(hash: string, receiptTimeoutMs: number, hooks: SettleHooks<T>): Promise<T> {
    const receipt = await pollReceipt(this.provider, hash, receiptTimeoutMs);
    if (receipt.status !== 1)
      throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction failed');
    return hooks.afterMined ? hooks.afterMined(receipt) : (receipt as T);
  }
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
