/**
 * One measured configuration of bench/402: wrk warm-up, then the measured wrk run, with the CPU
 * time each serving process used meanwhile (from /proc) and, for API 402s, how many leased
 * addresses the authorizer held ready while it ran (sampled from its control port).
 */
import { loadavg } from 'node:os';
import type { BenchChild } from '../lib/child.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

export interface Measured {
  wrk: WrkResult;
  /** Requests the warm-up answered (API 402s: addresses it used). */
  warmupRequests: number;
  /** CPU ms per answered request, summed over the processes serving it, during the measured run. */
  cpuMsPerRequest: number;
  cpuMsPerRequestByProcess: Record<string, number>;
  loadAverage1m: number;
  /** API 402s: leased addresses ready, sampled every 200 ms during the measured run. */
  bufferDuringRun?: { min: number; median: number; max: number; samples: number };
}

const BUFFER_SAMPLE_MS = 200;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function measure(opts: {
  url: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** The processes whose CPU time counts for these requests, by a short name. */
  serving: Record<string, BenchChild<unknown>>;
  bufferSize?: () => Promise<number>;
}): Promise<Measured> {
  const load = { url: opts.url, connections: opts.connections, headers: opts.headers };
  const warmup = await runWrk({ ...load, durationSeconds: opts.warmupSeconds });
  const cpuBefore = Object.entries(opts.serving).map(([name, child]) => [name, child.cpuMs()] as const);
  const loadAverage1m = loadavg()[0] as number;

  const samples: number[] = [];
  let sampling = opts.bufferSize !== undefined;
  const sampler = (async () => {
    while (sampling && opts.bufferSize) {
      samples.push(await opts.bufferSize());
      await new Promise((r) => setTimeout(r, BUFFER_SAMPLE_MS));
    }
  })();
  let wrk: WrkResult;
  try {
    wrk = await runWrk({ ...load, durationSeconds: opts.durationSeconds });
  } finally {
    sampling = false;
    await sampler;
  }
  const cpuMsPerRequestByProcess = Object.fromEntries(
    cpuBefore.map(([name, ms]) => [name, round3((opts.serving[name]!.cpuMs() - ms) / wrk.requests)]),
  );
  if (wrk.non2xx3xx !== wrk.requests || wrk.socketErrors > 0)
    throw new Error(
      `${opts.url}: expected only 402s, got ${wrk.requests - wrk.non2xx3xx} 2xx/3xx and ${wrk.socketErrors} socket errors`,
    );
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    wrk,
    warmupRequests: warmup.requests,
    cpuMsPerRequest: round3(Object.values(cpuMsPerRequestByProcess).reduce((a, b) => a + b, 0)),
    cpuMsPerRequestByProcess,
    loadAverage1m,
    ...(sorted.length === 0
      ? {}
      : {
          bufferDuringRun: {
            min: sorted[0]!,
            median: sorted[Math.floor(sorted.length / 2)]!,
            max: sorted.at(-1)!,
            samples: sorted.length,
          },
        }),
  };
}
