/**
 * What a watcher knows about its own health, kept in memory as it runs, for /readyz and metrics:
 * when its last pass succeeded, the chain head and its cursor at that pass (EVM: the lag in
 * blocks), the last error, and per RPC endpoint whether the last call to it worked. Reading it
 * costs nothing: readiness never calls an RPC itself.
 */
export interface WatcherHealth {
  readonly network: string;
  readonly kind: 'evm' | 'solana';
  /** The watcher's pause between passes, when known (readiness allows at least two of them). */
  readonly pollIntervalMs: number | undefined;
  /** A pass completed. */
  passSucceeded(): void;
  /** A pass failed with `err`. */
  passFailed(err: unknown): void;
  /** The chain head seen by the last pass, and (EVM) the block the cursor stands on after it. */
  chainAt(head: bigint, cursor?: bigint): void;
  /**
   * The Unix time (seconds) of the newest block this watcher has read; undefined when this replica
   * stopped reading blocks (another one holds the scan lease), so it reports no age of its own.
   */
  newestBlockAt(timestampSeconds: number | undefined): void;
  /** One RPC request to endpoint `url` (one of the configured URLs) succeeded or failed. */
  rpcCall(url: string, ok: boolean): void;
  snapshot(): WatcherHealthSnapshot;
}

export interface EndpointHealth {
  /** Position in `rpcUrls` (URLs may carry API keys, so they are never reported). */
  endpoint: number;
  /** `unused`: never called (an earlier endpoint keeps answering). */
  state: 'up' | 'down' | 'unused';
  consecutiveFailures: number;
}

export interface WatcherHealthSnapshot {
  network: string;
  kind: 'evm' | 'solana';
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
  consecutiveFailures: number;
  headBlock?: bigint;
  cursorBlock?: bigint;
  /** Unix time (seconds) of the newest block read (EVM, while this replica scans). */
  newestBlockTimestamp?: number;
  rpc: EndpointHealth[];
}

const MAX_ERROR_LENGTH = 300;

/** An error message fit for /readyz: one line, bounded, with any URL (it may hold a key) replaced. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/\bhttps?:\/\/\S+/g, '<url>')
    .replace(/\s+/g, ' ')
    .slice(0, MAX_ERROR_LENGTH);
}

export function createWatcherHealth(opts: {
  network: string;
  kind: 'evm' | 'solana';
  /** The configured RPC URLs, in order (only their positions are reported). */
  rpcUrls?: readonly string[];
  pollIntervalMs?: number;
  now?: () => number;
}): WatcherHealth {
  const now = opts.now ?? Date.now;
  const urls = opts.rpcUrls ?? [];
  const endpoints: EndpointHealth[] = urls.map((_, endpoint) => ({
    endpoint,
    state: 'unused',
    consecutiveFailures: 0,
  }));
  const state: Omit<WatcherHealthSnapshot, 'network' | 'kind' | 'rpc'> = { consecutiveFailures: 0 };
  return {
    network: opts.network,
    kind: opts.kind,
    pollIntervalMs: opts.pollIntervalMs,
    passSucceeded() {
      state.lastSuccessAt = now();
      state.consecutiveFailures = 0;
    },
    passFailed(err) {
      state.lastFailureAt = now();
      state.lastError = describe(err);
      state.consecutiveFailures++;
    },
    chainAt(head, cursor) {
      state.headBlock = head;
      if (cursor !== undefined) state.cursorBlock = cursor;
    },
    newestBlockAt(timestampSeconds) {
      if (timestampSeconds === undefined) delete state.newestBlockTimestamp;
      else if (timestampSeconds > (state.newestBlockTimestamp ?? -1))
        state.newestBlockTimestamp = timestampSeconds;
    },
    rpcCall(url, ok) {
      const e = endpoints[urls.indexOf(url)];
      if (!e) return;
      e.state = ok ? 'up' : 'down';
      e.consecutiveFailures = ok ? 0 : e.consecutiveFailures + 1;
    },
    snapshot: () => ({
      network: opts.network,
      kind: opts.kind,
      ...state,
      rpc: endpoints.map((e) => ({ ...e })),
    }),
  };
}
