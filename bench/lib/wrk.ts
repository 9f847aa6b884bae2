/**
 * Runs Debian's wrk (4.x) against a loopback URL and parses its report. Fixed-rate runs use a
 * small Lua script whose `delay()` paces each connection (wrk 4 has no -R; wrk2 is not in
 * Debian): rate ≈ connections × 1000 / (delay_ms + latency_ms), so the achieved rate is
 * reported beside the target.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WrkOptions {
  url: string;
  connections: number;
  threads?: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Pace every connection to about this many requests/s in total (see the file comment). */
  targetRate?: number;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  /** Responses with a status other than 2xx/3xx. */
  non2xx3xx: number;
  socketErrors: number;
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
}

const WRK_TIMEOUT_MARGIN_MS = 20_000;

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1')
    throw new Error(`bench: loopback only, not ${host}`);
}

export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  assertLoopback(opts.url);
  const args = [
    '-t',
    String(opts.threads ?? 1),
    '-c',
    String(opts.connections),
    '-d',
    `${opts.durationSeconds}s`,
    '--latency',
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  let dir: string | undefined;
  if (opts.targetRate !== undefined) {
    dir = mkdtempSync(path.join(tmpdir(), 'turnpike-wrk-'));
    const script = path.join(dir, 'pace.lua');
    // delay() is per request per connection; the response time adds to it, so pacing
    // undershoots a little: the caller reads the achieved rate.
    const delayMs = (opts.connections * 1000) / opts.targetRate;
    writeFileSync(script, `function delay()\n  return ${delayMs.toFixed(3)}\nend\n`);
    args.push('-s', script);
  }
  args.push(opts.url);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'wrk',
        args,
        { timeout: opts.durationSeconds * 1000 + WRK_TIMEOUT_MARGIN_MS },
        (err, out, errOut) => {
          if (err) reject(new Error(`wrk failed: ${err.message}\n${errOut}`));
          else resolve(out);
        },
      );
    });
    return parseWrk(stdout);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  switch (unit) {
    case 'us':
      return n / 1000;
    case 'ms':
      return n;
    case 's':
      return n * 1000;
    case 'm':
      return n * 60_000;
    default:
      throw new Error(`wrk: unknown unit ${unit}`);
  }
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => {
    const m = out.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    if (!m) throw new Error(`wrk: no ${p}% line in:\n${out}`);
    return toMs(m[1]!, m[2]!);
  };
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = out.match(/(\d+) requests in/);
  if (!rps || !total) throw new Error(`wrk: unparsable output:\n${out}`);
  const non = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    non2xx3xx: non ? Number(non[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    latencyMs: { p50: pct('50'), p75: pct('75'), p90: pct('90'), p99: pct('99') },
  };
}
