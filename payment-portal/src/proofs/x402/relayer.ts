import { Contract, FetchRequest, JsonRpcProvider, Network, Wallet, type TransactionReceipt } from 'ethers';
import { REASONS, type Erc20Asset, type EvmNetwork, type X402ExactEvmPayload } from '@turnpike/protocol';
import type { Secret } from '@turnpike/protocol/service';
import { Mutex } from '../../storage/mutex.js';
import { ProofRefusal } from '../context.js';
import { EIP3009_ABI } from './authorization.js';

export interface RelayerStatus {
  address: string;
  /** Native gas balance per network (wei as a decimal string), or the error reading it. */
  networks: Array<{ network: string; balanceWei?: string; error?: string }>;
}

export interface Relayer {
  /** The relayer's public address (safe to show in /readyz and metrics). */
  readonly address: string;
  /** Submits transferWithAuthorization and waits for the receipt; refuses with an x402 reason when it reverts. */
  settle<T = TransactionReceipt>(
    network: EvmNetwork,
    asset: Erc20Asset,
    payload: X402ExactEvmPayload,
    receiptTimeoutMs: number,
    hooks?: SettleHooks<T>,
  ): Promise<T>;
  /**
   * Sends one contract call (`to`, `data`) from the relayer in the network's lane and waits for
   * its receipt (x402 Permit2: the proxy's `settle`); refuses with `x402_settle_failed` when it
   * cannot be sent or reverts.
   */
  submit<T = TransactionReceipt>(
    network: EvmNetwork,
    call: { to: string; data: string },
    receiptTimeoutMs: number,
    hooks?: SettleHooks<T>,
  ): Promise<T>;
  /** Address and gas balance on every network it can reach (for /readyz and a gauge). */
  status(timeoutMs?: number): Promise<RelayerStatus>;
}

/** Steps run inside the network's lane, so nothing else settles on that network in between. */
export interface SettleHooks<T> {
  /**
   * Runs first in the lane, before the nonce is checked on chain; throw to send nothing (e.g. the
   * same authorization was credited meanwhile).
   */
  beforeSend?: () => Promise<void>;
  /** Runs on the mined receipt (e.g. credit it); its result is what settle resolves with. */
  afterMined?: (receipt: TransactionReceipt) => Promise<T>;
}

export interface RelayerOptions {
  key: Secret;
  rpcUrls: ReadonlyMap<string, readonly string[]>;
  networks: readonly EvmNetwork[];
  rpcTimeoutMs: number;
}

/**
 * The x402 relayer: the one private key the portal may hold, read from a secret source, used
 * only to pay gas for EIP-3009 transfers that move the payer's tokens to the portal's x402 address.
 * Submissions on a network run one at a time (a mutex), which keeps the account's nonces in order
 * and lets a replayed authorization be caught on chain before gas is spent on it.
 */
export function createRelayer(opts: RelayerOptions): Relayer {
  let wallet: Wallet;
  try {
    wallet = new Wallet(opts.key.reveal().trim());
  } catch {
    // The message never repeats the key.
    throw new TypeError(`proofs.x402.relayerKey (${opts.key.source}): not a hex secp256k1 private key`);
  }
  const lanes = new Map<string, { signer: Wallet; provider: JsonRpcProvider; mutex: Mutex }>();
  const lane = (network: EvmNetwork) => {
    let l = lanes.get(network.name);
    if (!l) {
      const url = opts.rpcUrls.get(network.name)?.[0];
      if (url === undefined)
        throw new ProofRefusal(REASONS.PAYMENT_CHAIN_UNKNOWN, `no RPC endpoint for ${network.name}`);
      const request = new FetchRequest(url);
      request.timeout = opts.rpcTimeoutMs;
      // chain.md: no batching delay, no response cache (stale nonces), no network probing.
      const provider = new JsonRpcProvider(request, Network.from(network.chainId), {
        staticNetwork: true,
        batchMaxCount: 1,
        cacheTimeout: -1,
      });
      l = { provider, signer: wallet.connect(provider), mutex: new Mutex() };
      lanes.set(network.name, l);
    }
    return l;
  };

  return {
    address: wallet.address,
    async settle<T>(
      network: EvmNetwork,
      asset: Erc20Asset,
      payload: X402ExactEvmPayload,
      receiptTimeoutMs: number,
      hooks: SettleHooks<T> = {},
    ): Promise<T> {
      const l = lane(network);
      const a = payload.authorization;
      const token = new Contract(asset.address, EIP3009_ABI, l.signer);
      return l.mutex.run(async () => {
        // First the caller's own check (e.g. "this authorization was credited meanwhile": a
        // concurrent copy that settled in this lane gets that answer, not "nonce used")...
        await hooks.beforeSend?.();
        // ...then the chain's, again inside the lane: the nonce may have been spent since.
        const used = (await token.getFunction('authorizationState').staticCall(a.from, a.nonce)) as boolean;
        if (used) throw new ProofRefusal(REASONS.X402_NONCE_USED, 'this authorization has already been used');
        let sent;
        try {
          sent = await token.getFunction('transferWithAuthorization')(
            a.from,
            a.to,
            a.value,
            a.validAfter,
            a.validBefore,
            a.nonce,
            payload.signature,
          );
        } catch (cause) {
          throw revertRefusal(cause);
        }
        const receipt = await pollReceipt(l.provider, sent.hash as string, receiptTimeoutMs);
        if (receipt.status !== 1)
          throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction failed');
        return hooks.afterMined ? hooks.afterMined(receipt) : (receipt as T);
      });
    },
    async submit<T>(
      network: EvmNetwork,
      call: { to: string; data: string },
      receiptTimeoutMs: number,
      hooks: SettleHooks<T> = {},
    ): Promise<T> {
      const l = lane(network);
      return l.mutex.run(async () => {
        await hooks.beforeSend?.();
        let sent;
        try {
          sent = await l.signer.sendTransaction({ to: call.to, data: call.data });
        } catch (cause) {
          throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction could not be sent', {
            cause,
          });
        }
        const receipt = await pollReceipt(l.provider, sent.hash, receiptTimeoutMs);
        if (receipt.status !== 1)
          throw new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction failed');
        return hooks.afterMined ? hooks.afterMined(receipt) : (receipt as T);
      });
    },
    async status(timeoutMs = opts.rpcTimeoutMs) {
      const networks = await Promise.all(
        opts.networks
          .filter((n) => (opts.rpcUrls.get(n.name)?.length ?? 0) > 0)
          .map(async (n) => {
            try {
              const balance = await Promise.race([
                lane(n).provider.getBalance(wallet.address),
                new Promise<never>((_, reject) =>
                  setTimeout(() => reject(new Error('timeout')), timeoutMs).unref(),
                ),
              ]);
              return { network: n.name, balanceWei: balance.toString() };
            } catch (err) {
              return {
                network: n.name,
                error: err instanceof Error ? err.message.slice(0, 200) : 'unavailable',
              };
            }
          }),
      );
      return { address: wallet.address, networks };
    },
  };
}

const RECEIPT_POLL_MS = 100;

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

/** USDC's revert strings (measured, chain.md) mapped to the x402 reasons. */
export function revertRefusal(cause: unknown): ProofRefusal {
  const text = String(
    (cause as { shortMessage?: string; message?: string }).shortMessage ?? (cause as Error).message ?? '',
  );
  const map: Array<[RegExp, Parameters<typeof reason>[0]]> = [
    [/authorization is used|canceled/i, REASONS.X402_NONCE_USED],
    [/exceeds balance/i, REASONS.X402_INSUFFICIENT_BALANCE],
    [/invalid signature/i, REASONS.X402_SIGNATURE_INVALID],
    [/authorization is expired/i, REASONS.X402_AUTHORIZATION_EXPIRED],
    [/authorization is not yet valid/i, REASONS.X402_AUTHORIZATION_NOT_YET_VALID],
  ];
  const hit = map.find(([re]) => re.test(text));
  return reason(
    hit?.[1] ?? REASONS.X402_SETTLE_FAILED,
    hit ? 'the token refused the authorization' : 'the settlement transaction could not be sent',
    cause,
  );
}

function reason(code: (typeof REASONS)[keyof typeof REASONS], message: string, cause: unknown): ProofRefusal {
  return new ProofRefusal(code, message, { cause });
}
