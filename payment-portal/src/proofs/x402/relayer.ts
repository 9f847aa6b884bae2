import { FetchRequest, JsonRpcProvider, Network, Wallet, type TransactionReceipt } from 'ethers';
import { REASONS, type Erc20Asset, type EvmNetwork, type X402ExactEvmPayload } from '@turnpike/protocol';
import type { Secret } from '@turnpike/protocol/service';
import { ProofRefusal } from '../context.js';
import { EIP3009_ABI } from './authorization.js';
import { RelayerLane } from './relayer-lane.js';

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

/** The caller's steps around one settlement in the network's lane. */
export interface SettleHooks<T> {
  /**
   * Runs before the call takes its turn in the lane, concurrently with its simulation (and again
   * after a twin in flight has finished); throw to send nothing (e.g. the same authorization was
   * credited meanwhile).
   */
  beforeSend?: () => Promise<void>;
  /**
   * Runs on the mined receipt, outside the lane (later settlements are sent meanwhile); a twin of
   * this call waits for it. Its result is what settle resolves with.
   */
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
 * Each network has one lane (relayer-lane.ts): each call is simulated before its turn (a replayed
 * authorization is caught before gas is spent), then only numbering and sending run one at a time;
 * mining and crediting run outside the turn, so settlements are pipelined.
 */
export function createRelayer(opts: RelayerOptions): Relayer {
  let wallet: Wallet;
  try {
    wallet = new Wallet(opts.key.reveal().trim());
  } catch {
    // The message never repeats the key.
    throw new TypeError(`proofs.x402.relayerKey (${opts.key.source}): not a hex secp256k1 private key`);
  }
  const lanes = new Map<string, RelayerLane>();
  const lane = (network: EvmNetwork): RelayerLane => {
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
      l = new RelayerLane(wallet.connect(provider), provider, BigInt(network.chainId));
      lanes.set(network.name, l);
    }
    return l;
  };

  return {
    address: wallet.address,
    settle<T>(
      network: EvmNetwork,
      asset: Erc20Asset,
      payload: X402ExactEvmPayload,
      receiptTimeoutMs: number,
      hooks: SettleHooks<T> = {},
    ): Promise<T> {
      const a = payload.authorization;
      const data = EIP3009_ABI.encodeFunctionData('transferWithAuthorization', [
        a.from,
        a.to,
        a.value,
        a.validAfter,
        a.validBefore,
        a.nonce,
        payload.signature,
      ]);
      // The lane simulates the call before sending it: a spent nonce, a short balance or a bad
      // signature refuses with its x402 reason, and no gas is spent.
      return lane(network).run({ to: asset.address, data }, receiptTimeoutMs, hooks, revertRefusal);
    },
    submit<T>(
      network: EvmNetwork,
      call: { to: string; data: string },
      receiptTimeoutMs: number,
      hooks: SettleHooks<T> = {},
    ): Promise<T> {
      return lane(network).run(
        call,
        receiptTimeoutMs,
        hooks,
        (cause) =>
          new ProofRefusal(REASONS.X402_SETTLE_FAILED, 'the settlement transaction would fail', { cause }),
      );
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

/** A refusal made from a simulated call's revert (revertRefusal), before anything was sent. */
class RevertRefusal extends ProofRefusal {}

/** Whether `err` is revertRefusal's: the simulation reverted and nothing was sent. */
export function isRevertRefusal(err: unknown): boolean {
  return err instanceof RevertRefusal;
}

function reason(code: (typeof REASONS)[keyof typeof REASONS], message: string, cause: unknown): ProofRefusal {
  return new RevertRefusal(code, message, { cause });
}
