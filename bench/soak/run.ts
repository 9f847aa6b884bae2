/**
 * `npm run bench -- soak`: `npm start`'s dev stack kept busy for SOAK_DURATION_MIN minutes (default
 * 30) with a mix of 402s, paid flows with real payments on anvil and token reuse; each process's
 * memory sampled, a slope fitted per process after the warm-up, and the run failed (exit 1) on
 * growth beyond the thresholds, on any 5xx, network error or failed paid flow. Baselines measured in
 * the same run: an anvil with anvil's own defaults (full history), started the same way and idle,
 * and a trivial node:http server under a steady small load. Writes bench/results/soak.json and .md.
 * See bench/soak/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startChild } from '../lib/child.js';
import { stats } from '../lib/stats.js';
import { DEV_STACK_CHAIN_ID, deployUsdc, startAnvil } from '../../deploy/dev/index.js';
import { freePort } from '../../tests/support/ports.js';
import { runLoad } from './load.js';
import { fitSlope, type Sample, type SlopeFit } from './slope.js';
import { newTally } from './tally.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const RESULTS_DIR = path.resolve(HERE, '../results');
const READY_TIMEOUT_MS = 120_000;

const positive = z.coerce.number().positive();
const envSchema = z.object({
  SOAK_DURATION_MIN: positive.default(30),
  /** Samples before this are left out of the fits (default: 5 min, or a third of a shorter run). */
  SOAK_WARMUP_MIN: positive.optional(),
  SOAK_SAMPLE_S: positive.default(10),
  /** Plain requests per second through the gateway. */
  SOAK_RATE: positive.default(30),
  /** Seconds between two paid flows of each kind (tx proof, pay page, x402). */
  SOAK_PAY_EVERY_S: positive.default(10),
  /** Fail above these slopes (MiB/min after the warm-up). */
  SOAK_MAX_TURNPIKE_RSS_SLOPE: positive.default(1),
  SOAK_MAX_TURNPIKE_HEAP_SLOPE: positive.default(0.5),
  SOAK_MAX_ANVIL_RSS_SLOPE: positive.default(0.5),
});

function parseEnv(): z.infer<typeof envSchema> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`soak: ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  return parsed.data;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StackChild {
  pid: number;
  url: string;
  rpcUrl: string;
  anvilPid: number;
  heapUsedMiB(): number;
  stop(): Promise<void>;
}

/** The dev stack in its own Node process (bench/soak/serve-stack.ts), on a free port and a temp data dir. */
async function startStack(dataDir: string, memEveryMs: number): Promise<StackChild> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--conditions=source',
      path.join(HERE, 'serve-stack.ts'),
      String(port),
      dataDir,
    ],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SOAK_MEM_EVERY_MS: String(memEveryMs) },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000);
  });
  let heapUsed = Number.NaN;
  const ready = await new Promise<{ url: string; rpcUrl: string; anvilPid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev stack not ready:\n${stderr}`)), READY_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const msg = JSON.parse(line) as {
          ready?: boolean;
          url: string;
          rpcUrl: string;
          anvilPid: number;
          mem?: { heapUsed: number };
        };
        if (msg.mem) heapUsed = msg.mem.heapUsed / 2 ** 20;
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // not one of our lines
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev stack exited with ${code}\n${stderr}`));
    });
  });
  return {
    pid: child.pid!,
    // The gateway listens on 127.0.0.1; `localhost` may resolve to ::1 first.
    url: `http://127.0.0.1:${port}`,
    rpcUrl: ready.rpcUrl,
    anvilPid: ready.anvilPid,
    heapUsedMiB: () => heapUsed,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A steady trickle of requests to the trivial server (its RSS is the Node baseline). */
async function trickle(url: string, perSecond: number, signal: AbortSignal): Promise<number> {
  let sent = 0;
  while (!signal.aborted) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      sent += 1;
    } catch {
      // the baseline's own errors do not matter
    }
    await sleep(1000 / perSecond);
  }
  return sent;
}

interface Row {
  id: string;
  measured: string;
  fit: SlopeFit;
  baseline: string;
  baselineFit: SlopeFit;
  maxSlope: number | null;
}

const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));

function markdown(report: {
  generatedAt: string;
  method: Record<string, string>;
  rows: Row[];
  load: Record<string, unknown>;
  verdict: { passed: boolean; reasons: string[] };
  tallyTable: string;
}): string {
  const head = `# bench/soak\n\nRun ${report.generatedAt}. ${Object.values(report.method).join(' ')}\n\n`;
  const table = [
    '| | measured | slope after warm-up (MiB/min) | last half | MiB first → last (max) | baseline (same run) | baseline slope | baseline last half | baseline MiB first → last (max) | fail above | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.id} | ${r.measured} | ${fmt(r.fit.slopeMiBPerMin)} | ${fmt(r.fit.lastHalfSlopeMiBPerMin)} | ${fmt(r.fit.firstMiB)} → ${fmt(r.fit.lastMiB)} (${fmt(r.fit.maxMiB)}) | ${r.baseline} | ${fmt(r.baselineFit.slopeMiBPerMin)} | ${fmt(r.baselineFit.lastHalfSlopeMiBPerMin)} | ${fmt(r.baselineFit.firstMiB)} → ${fmt(r.baselineFit.lastMiB)} (${fmt(r.baselineFit.maxMiB)}) | ${r.maxSlope === null ? '—' : r.maxSlope} | ${r.maxSlope === null ? '—' : r.fit.slopeMiBPerMin <= r.maxSlope ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
  const load = Object.entries(report.load)
    .map(([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
  const verdict = report.verdict.passed
    ? '**Passed.**'
    : `**Failed:**\n${report.verdict.reasons.map((r) => `- ${r}`).join('\n')}`;
  return `${head}${table}\n\n${load}\n\n${report.tallyTable}\n\n${verdict}\n`;
}

async function main(): Promise<void> {
  const env = parseEnv();
  const durationS = env.SOAK_DURATION_MIN * 60;
  const warmupS = (env.SOAK_WARMUP_MIN ?? Math.min(5, env.SOAK_DURATION_MIN / 3)) * 60;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'turnpike-soak-'));
  const stops: Array<() => Promise<void>> = [];
  const tally = newTally();
  const samples = {
    turnpikeRss: [] as Sample[],
    turnpikeHeap: [] as Sample[],
    anvilRss: [] as Sample[],
    baselineAnvilRss: [] as Sample[],
    trivialRss: [] as Sample[],
  };
  const loads: number[] = [];
  let trickleSent = 0;
  let warmupFiveXx: number | undefined;
  let fiveXxInWarmup = 0;
  try {
    // Baselines first, so they are as old as the stack they are compared with.
    const trivial = await startChild<{ port: number }>(path.join(HERE, '../lib/trivial-http.mjs'));
    stops.push(() => trivial.stop());
    // anvil's default history spills older state copies to disk (by default under ~/.foundry) and
    // leaves them when stopped: keep them in the run's temp dir, removed below.
    const baselineAnvil = await startAnvil({
      chainId: DEV_STACK_CHAIN_ID,
      keepStateHistory: true,
      transactionBlockKeeper: null,
      extraArgs: ['--cache-path', path.join(dataDir, 'baseline-anvil-states')],
    });
    stops.push(() => baselineAnvil.stop());
    await deployUsdc(baselineAnvil.rpcUrl, baselineAnvil.accounts[0]!.address);
    await baselineAnvil.rpc('evm_setIntervalMining', [1]);

    console.log('soak: starting the dev stack …');
    const stack = await startStack(dataDir, env.SOAK_SAMPLE_S * 1000);
    stops.push(() => stack.stop());
    console.log(
      `soak: ${env.SOAK_DURATION_MIN} min at ${env.SOAK_RATE} req/s plus paid flows every ${env.SOAK_PAY_EVERY_S} s; warm-up ${fmt(warmupS / 60)} min`,
    );

    const abort = new AbortController();
    const t0 = performance.now();
    const load = runLoad({
      base: stack.url,
      rpcUrl: stack.rpcUrl,
      rate: env.SOAK_RATE,
      payEverySeconds: env.SOAK_PAY_EVERY_S,
      tally,
      signal: abort.signal,
    });
    const trickled = trickle(`http://127.0.0.1:${trivial.info.port}/`, 10, abort.signal);
    let lastLog = 0;
    while (performance.now() - t0 < durationS * 1000) {
      const t = (performance.now() - t0) / 1000;
      samples.turnpikeRss.push({ t, mib: rssMiB(stack.pid) });
      samples.turnpikeHeap.push({ t, mib: stack.heapUsedMiB() });
      samples.anvilRss.push({ t, mib: rssMiB(stack.anvilPid) });
      samples.baselineAnvilRss.push({ t, mib: rssMiB(baselineAnvil.pid) });
      samples.trivialRss.push({ t, mib: trivial.rssMiB() });
      loads.push(loadavg()[0]!);
      if (t >= warmupS && warmupFiveXx === undefined) warmupFiveXx = tally.serverErrors;
      if (t - lastLog >= 60) {
        lastLog = t;
        console.log(
          `soak: ${(t / 60).toFixed(1)} min, ${tally.requests} requests, 5xx ${tally.serverErrors}, turnpike ${samples.turnpikeRss.at(-1)!.mib.toFixed(0)} MiB (heap ${stack.heapUsedMiB().toFixed(0)}), anvil ${samples.anvilRss.at(-1)!.mib.toFixed(1)} MiB, baseline anvil ${samples.baselineAnvilRss.at(-1)!.mib.toFixed(1)} MiB, load ${loads.at(-1)!.toFixed(2)}`,
        );
      }
      await sleep(env.SOAK_SAMPLE_S * 1000);
    }
    abort.abort();
    fiveXxInWarmup = warmupFiveXx ?? tally.serverErrors;
    await Promise.race([load, sleep(30_000)]);
    trickleSent = await trickled;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const fit = (s: Sample[]) => fitSlope(s, warmupS);
  const rows: Row[] = [
    {
      id: 'anvil',
      measured: 'anvil of the dev stack (bounded: --prune-history, --transaction-block-keeper 3600), RSS',
      fit: fit(samples.anvilRss),
      baseline: "anvil with anvil's defaults (full history), same start-up and block time, idle, RSS",
      baselineFit: fit(samples.baselineAnvilRss),
      maxSlope: env.SOAK_MAX_ANVIL_RSS_SLOPE,
    },
    {
      id: 'turnpike-rss',
      measured: 'dev stack Node process (portal + authorizer + demo app + Express gateway, PGlite), RSS',
      fit: fit(samples.turnpikeRss),
      baseline: 'trivial node:http server at 10 req/s, RSS',
      baselineFit: fit(samples.trivialRss),
      maxSlope: env.SOAK_MAX_TURNPIKE_RSS_SLOPE,
    },
    {
      id: 'turnpike-heap',
      measured: 'the same process, V8 heapUsed after a full GC (retained heap)',
      fit: fit(samples.turnpikeHeap),
      baseline: 'trivial node:http server at 10 req/s, RSS',
      baselineFit: fit(samples.trivialRss),
      maxSlope: env.SOAK_MAX_TURNPIKE_HEAP_SLOPE,
    },
  ];
  const reasons: string[] = [];
  for (const r of rows)
    if (r.maxSlope !== null && !(r.fit.slopeMiBPerMin <= r.maxSlope))
      reasons.push(`${r.id}: ${fmt(r.fit.slopeMiBPerMin)} MiB/min, above ${r.maxSlope}`);
  if (tally.serverErrors > 0) reasons.push(`${tally.serverErrors} responses were 5xx`);
  if (tally.networkErrors > 0) reasons.push(`${tally.networkErrors} requests failed without a response`);
  for (const [name, f] of Object.entries(tally.flows))
    if (f.failed > 0) reasons.push(`${name}: ${f.failed} of ${f.ok + f.failed} failed`);
  if (tally.unexpected > 0) reasons.push(`${tally.unexpected} responses had an unexpected status`);

  const generatedAt = new Date().toISOString();
  const method = {
    run: `${env.SOAK_DURATION_MIN} min of load, RSS sampled every ${env.SOAK_SAMPLE_S} s from /proc, slopes by least squares over the samples after a ${fmt(warmupS / 60)} min warm-up (and over the last half of those, to show acceleration).`,
    load: `${env.SOAK_RATE} plain req/s paced through the dev stack's Express gateway (50 % token/cookie reuse once paid credentials exist, 15 % 402 JSON, 10 % 402 HTML page, 10 % 402 priced API, the rest the free page), plus three paid-flow loops each every ${env.SOAK_PAY_EVERY_S} s: native ETH + tx proof, pay page dev-pay in USDC credited by the watcher, an @x402/fetch client paying USDC through the relayer.`,
    processes:
      "`npm start`'s dev stack (scripts/dev/stack.ts) in its own Node process through tsx: the portal, authorizer, demo app and gateway share it, so their memory is one figure (RSS, and V8 heapUsed the process reports after a forced full GC, run with --expose-gc); anvil is its child. The load generator is the bench process.",
    machine: `${cpus().length} cores shared with other work; 1-min load average during the run min ${fmt(Math.min(...loads))}, mean ${fmt(loads.reduce((a, b) => a + b, 0) / loads.length)}, max ${fmt(Math.max(...loads))}.`,
  };
  const kinds = Object.keys(tally.byKind).sort();
  const tallyTable = [
    '| requests | statuses |',
    '|---|---|',
    ...kinds.map(
      (k) =>
        `| ${k} | ${Object.entries(tally.byKind[k]!)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')} |`,
    ),
    '',
    '| paid flow | ok | failed | ms p50 / p90 / max |',
    '|---|---|---|---|',
    ...Object.entries(tally.flows).map(([name, f]) => {
      const s = f.ms.length > 0 ? stats(f.ms) : null;
      return `| ${name} | ${f.ok} | ${f.failed} | ${s ? `${s.p50} / ${s.p90} / ${s.max}` : 'n/a'} |`;
    }),
  ].join('\n');
  const loadSummary = {
    requests: tally.requests,
    '5xx': `${tally.serverErrors} (${fiveXxInWarmup} of them in the warm-up)`,
    'network errors': tally.networkErrors,
    'unexpected statuses': tally.unexpected,
    'baseline trivial server requests': trickleSent,
    'first problems': tally.samples.length > 0 ? tally.samples : 'none',
  };
  const verdict = { passed: reasons.length === 0, reasons };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    path.join(RESULTS_DIR, 'soak.json'),
    `${JSON.stringify(
      {
        generatedAt,
        machine: { cpus: cpus().length, node: process.version },
        method,
        settings: env,
        rows,
        tally: {
          ...tally,
          flows: Object.fromEntries(
            Object.entries(tally.flows).map(([k, f]) => [
              k,
              { ok: f.ok, failed: f.failed, ms: f.ms.length > 0 ? stats(f.ms) : null },
            ]),
          ),
        },
        verdict,
        samples,
        loadAverage: loads,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    path.join(RESULTS_DIR, 'soak.md'),
    markdown({ generatedAt, method, rows, load: loadSummary, verdict, tallyTable }),
  );
  for (const r of rows)
    console.log(
      `soak: ${r.id}: ${fmt(r.fit.slopeMiBPerMin)} MiB/min (last half ${fmt(r.fit.lastHalfSlopeMiBPerMin)}); baseline ${fmt(r.baselineFit.slopeMiBPerMin)} MiB/min`,
    );
  console.log(
    `soak: ${tally.requests} requests, 5xx ${tally.serverErrors}; ${verdict.passed ? 'passed' : `FAILED: ${reasons.join('; ')}`}`,
  );
  process.exit(verdict.passed ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
