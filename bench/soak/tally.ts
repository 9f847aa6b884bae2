/** What the soak's requests got back: statuses per kind, 5xx, network errors, unexpected statuses. */
export interface Tally {
  requests: number;
  byKind: Record<string, Record<string, number>>;
  serverErrors: number;
  networkErrors: number;
  unexpected: number;
  flows: Record<string, { ok: number; failed: number; ms: number[] }>;
  /** The first few problems, for the report (no bodies, no tokens). */
  samples: string[];
}

export function newTally(): Tally {
  return {
    requests: 0,
    byKind: {},
    serverErrors: 0,
    networkErrors: 0,
    unexpected: 0,
    flows: {},
    samples: [],
  };
}

export function note(tally: Tally, line: string): void {
  if (tally.samples.length < 20) tally.samples.push(`${new Date().toISOString()} ${line}`);
}

export function countStatus(tally: Tally, kind: string, status: number | 'error', expected?: number[]): void {
  tally.requests += 1;
  const counts = (tally.byKind[kind] ??= {});
  counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  if (status === 'error') {
    tally.networkErrors += 1;
    return;
  }
  if (status >= 500) {
    tally.serverErrors += 1;
    note(tally, `${kind}: ${status}`);
  } else if (expected && !expected.includes(status)) {
    tally.unexpected += 1;
    note(tally, `${kind}: ${status}, expected ${expected.join('|')}`);
  }
}

export function countFlow(tally: Tally, flow: string, ok: boolean, ms: number, why?: string): void {
  const f = (tally.flows[flow] ??= { ok: 0, failed: 0, ms: [] });
  if (ok) {
    f.ok += 1;
    f.ms.push(ms);
  } else {
    f.failed += 1;
    note(tally, `${flow} failed: ${why ?? 'unknown'}`);
  }
}

/**
 * A fetch that counts every response it sees under `kind` (so the requests an x402 client makes
 * for itself are counted too), with a timeout on each request.
 */
export function countingFetch(tally: Tally, kind: string, timeoutMs = 15_000): typeof fetch {
  return async (input, init) => {
    try {
      const res = await fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
      countStatus(tally, kind, res.status);
      return res;
    } catch (err) {
      countStatus(tally, kind, 'error');
      note(tally, `${kind}: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  };
}
