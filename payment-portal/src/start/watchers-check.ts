import type { EndpointHealth, WatcherHealth } from '../watchers/watcher-health.js';

/** One network in /readyz. Blocks (EVM) and slots (Solana) are JSON numbers (far below 2^53). */
export interface NetworkReadiness {
  /** Its watcher completed a pass within the staleness threshold. */
  ok: boolean;
  kind: 'evm' | 'solana';
  /** EVM: the chain head seen by the last pass, the block the cursor stands on, and the gap. */
  headBlock?: number;
  cursorBlock?: number;
  lagBlocks?: number;
  /** Solana: the slot seen by the last pass. */
  headSlot?: number;
  lastSuccessAgoMs?: number;
  consecutiveFailures: number;
  /** The error of the last pass, when it failed (URLs removed). */
  lastError?: string;
  rpc: EndpointHealth[];
}

export interface WatchersCheck {
  ok: boolean;
  detail: string;
  networks: Record<string, NetworkReadiness>;
}

/**
 * The watchers' part of /readyz, from their kept state only: ok when at least one network's watcher
 * completed a pass within `staleAfterMs`, or two of its poll intervals when that is longer (a
 * watcher configured to poll rarely is not stale between its passes), so a payment on that network
 * can be seen. Networks that cannot be watched are reported (and named in the detail) but do not
 * fail readiness while another one can be: the portal still serves that network's payments.
 */
export function watchersCheck(
  healths: readonly WatcherHealth[],
  opts: { staleAfterMs: number; now: number },
): WatchersCheck {
  const networks: Record<string, NetworkReadiness> = {};
  const problems: string[] = [];
  for (const health of healths) {
    const h = health.snapshot();
    const ago = h.lastSuccessAt === undefined ? undefined : opts.now - h.lastSuccessAt;
    const threshold = Math.max(opts.staleAfterMs, 2 * (health.pollIntervalMs ?? 0));
    const ok = ago !== undefined && ago <= threshold;
    const report: NetworkReadiness = {
      ok,
      kind: h.kind,
      consecutiveFailures: h.consecutiveFailures,
      rpc: h.rpc,
    };
    if (h.kind === 'evm') {
      if (h.headBlock !== undefined) report.headBlock = Number(h.headBlock);
      if (h.cursorBlock !== undefined) report.cursorBlock = Number(h.cursorBlock);
      if (h.headBlock !== undefined && h.cursorBlock !== undefined)
        report.lagBlocks = Number(h.headBlock - h.cursorBlock);
    } else if (h.headBlock !== undefined) report.headSlot = Number(h.headBlock);
    if (ago !== undefined) report.lastSuccessAgoMs = ago;
    if (h.consecutiveFailures > 0 && h.lastError !== undefined) report.lastError = h.lastError;
    networks[h.network] = report;
    if (!ok)
      problems.push(
        `${h.network}: ${ago === undefined ? 'no successful pass yet' : `last successful pass ${Math.round(ago / 1000)} s ago`}` +
          (report.lastError ? ` (${report.lastError})` : ''),
      );
  }
  const watched = Object.values(networks).filter((n) => n.ok).length;
  const ok = watched > 0;
  const detail = ok
    ? `${watched} of ${healths.length} networks watched${problems.length > 0 ? `; not watched: ${problems.join('; ')}` : ''}`
    : `no network watched: ${problems.join('; ')}`;
  return { ok, detail, networks };
}
