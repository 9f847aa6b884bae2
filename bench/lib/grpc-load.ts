/**
 * A closed-loop load generator for unary gRPC calls: at most `inFlight` calls outstanding, for
 * `durationSeconds` (and never more than `maxCalls`), loopback only. Reports calls/s and
 * latency percentiles measured with hrtime.
 */
import { credentials, type Client } from '@grpc/grpc-js';
import { authorizationClientConstructor } from '../../authz-service/src/transports/grpc/protos.js';

export interface GrpcLoadResult {
  callsPerSecond: number;
  calls: number;
  errors: number;
  /** Calls whose CheckResponse status was not OK (denials). */
  notOk: number;
  latencyMs: { p50: number; p90: number; p99: number };
}

type CheckFn = (req: unknown, cb: (err: Error | null, res?: { status?: { code?: number } }) => void) => void;

export async function runGrpcLoad(opts: {
  port: number;
  request: unknown;
  inFlight: number;
  durationSeconds: number;
  maxCalls?: number;
}): Promise<GrpcLoadResult> {
  const Ctor = authorizationClientConstructor();
  const client = new Ctor(`127.0.0.1:${opts.port}`, credentials.createInsecure()) as unknown as Client & {
    Check: CheckFn;
  };
  const check = (req: unknown) =>
    new Promise<{ ok: boolean; error: boolean }>((resolve) => {
      client.Check(req, (err, res) =>
        resolve({ ok: !err && (res?.status?.code ?? 0) === 0, error: err !== null }),
      );
    });
  // Warm up the channel (connection, HTTP/2 settings) before measuring.
  for (let i = 0; i < 200; i++) await check(opts.request);

  const maxCalls = opts.maxCalls ?? 5_000_000;
  const latencies: number[] = [];
  let errors = 0;
  let notOk = 0;
  let started = 0;
  const deadline = process.hrtime.bigint() + BigInt(opts.durationSeconds * 1e9);
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (started < maxCalls && process.hrtime.bigint() < deadline) {
      started++;
      const s = process.hrtime.bigint();
      const r = await check(opts.request);
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.error) errors++;
      else if (!r.ok) notOk++;
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, worker));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  client.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    callsPerSecond: latencies.length / elapsed,
    calls: latencies.length,
    errors,
    notOk,
    latencyMs: { p50: q(50), p90: q(90), p99: q(99) },
  };
}
