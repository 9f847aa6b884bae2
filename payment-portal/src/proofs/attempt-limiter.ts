/**
 * A per-client limit on payment proof attempts, kept in this process: every attempt costs chain
 * reads (or a settlement), so one client retrying in a loop must not spend the RPC quota of all.
 * A fixed one-minute window per client address; the map is bounded (the oldest windows go first).
 * With several replicas each counts its own (a client could make replicas × limit attempts a
 * minute), which bounds the cost per replica — the point of the limit.
 */
export interface AttemptLimiter {
  /** Counts an attempt by `client`; the seconds to wait when over the limit, else undefined. */
  take(client: string): number | undefined;
}

const WINDOW_MS = 60_000;
const MAX_CLIENTS = 100_000;

export function createAttemptLimiter(perMinute: number, now: () => number = Date.now): AttemptLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(client) {
      const t = now();
      let w = windows.get(client);
      if (w === undefined || t - w.start >= WINDOW_MS) {
        windows.delete(client);
        if (windows.size >= MAX_CLIENTS) windows.delete(windows.keys().next().value as string);
        w = { start: t, count: 0 };
        windows.set(client, w);
      }
      w.count++;
      if (w.count <= perMinute) return undefined;
      return Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
    },
  };
}
