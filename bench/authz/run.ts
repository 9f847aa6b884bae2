/**
 * bench/authz: the authorizer's cost, each figure beside a baseline measured in the same run,
 * loopback only, every load bounded in time. Writes bench/results/authz.json and authz.md.
 *
 *   npx tsx --conditions=source bench/authz/run.ts     (or: npm run bench -- authz)
 *
 * The measured servers run from the built packages (it runs `tsc -b authz-service` first), as
 * production does; only this driver runs from TypeScript sources.
 *
 * HTTP load: Debian's wrk 4 (-t1 -c32). gRPC load: a grpc-js client loop with 32 calls in
 * flight. p99 at half of peak: wrk with per-connection pacing (Lua delay()), see bench/lib/wrk.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type BenchChild } from '../lib/child.js';
import { runGrpcLoad, type GrpcLoadResult } from '../lib/grpc-load.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { startGateway } from '../../tests/support/gateways.js';
import { createTestSigner } from '../../tests/support/tokens.js';
import { startMeteredBalance, type MeteredBalance } from './metered-balance.js';
import { startNginxAlone } from './nginx-alone.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(HERE, '../results');
const HOST = 'bench.test';
const ISSUER = 'https://bench.test/_402';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = 1;
const CONNECTIONS = 32;
const GRPC_IN_FLIGHT = 32;
/** Each comparison runs this many interleaved rounds (A B A B…) and keeps each side's best. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** The heap flags the shipped units and manifests give the authorizer (docs/deploy.md, "Memory"). */
const SHIPPED_NODE_OPTIONS = shippedNodeOptions();
const PRICE = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: { requests: [{ network: 'base-sepolia', amount: '0.01', asset: 'USDC' }] },
};
/** Row b-credits: the same price as `credits` (1 a request), a balance no run can spend. */
const METERED_PRICE = {
  ...PRICE,
  claims: { plan: 'premium', resource: '/metered' },
  model: 'credits',
  credits: '1000000000000',
};
const METERED_CREDITS = 1_000_000_000_000n;

interface Row {
  id: string;
  what: string;
  value: number;
  unit: string;
  baselineWhat: string;
  baseline: number;
  ratio: number;
  goal: string;
  met: boolean;
  detail?: Record<string, unknown>;
}

async function wrkMeasured(
  url: string,
  headers: Record<string, string>,
  extra: { targetRate?: number } = {},
): Promise<WrkResult> {
  await runWrk({ url, connections: CONNECTIONS, durationSeconds: WARMUP_S, headers, ...extra });
  return runWrk({ url, connections: CONNECTIONS, durationSeconds: DURATION_S, headers, ...extra });
}

/** A wrk run on one server child, with the child's CPU time (user + system) per request answered. */
type CpuWrkResult = WrkResult & { cpuUsPerRequest: number };
async function wrkOnChild(
  child: BenchChild<unknown>,
  url: string,
  headers: Record<string, string>,
): Promise<CpuWrkResult> {
  await runWrk({ url, connections: CONNECTIONS, durationSeconds: WARMUP_S, headers });
  const before = child.cpuMs();
  const result = await runWrk({ url, connections: CONNECTIONS, durationSeconds: DURATION_S, headers });
  return { ...result, cpuUsPerRequest: round(((child.cpuMs() - before) * 1000) / result.requests, 2) };
}

/** The one HTTP answer's headers the floor server replays: an allow's identity headers, as sent. */
function allowHeaders(url: string, headers: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      if (res.statusCode !== 200) return reject(new Error(`allow expected, got ${res.statusCode}`));
      const flat: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase();
        if (name.startsWith('x-402-') || name === 'content-length') flat.push(name, res.rawHeaders[i + 1]!);
      }
      resolve(flat);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('allow headers: no answer in 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs every measurement once per round, interleaved, so a load change on the shared machine
 * hits both sides of a comparison; keeps each side's best round (by `better`).
 */
async function interleaved<T>(
  rounds: number,
  runs: Array<() => Promise<T>>,
  better: (x: T, y: T) => boolean,
): Promise<{ best: T[]; all: T[][] }> {
  const all: T[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of runs.entries()) all[i]!.push(await run());
  }
  const best = all.map((results) => results.reduce((x, y) => (better(y, x) ? y : x)));
  return { best, all };
}
const moreRps = (x: WrkResult, y: WrkResult): boolean => x.requestsPerSecond > y.requestsPerSecond;
const lowerP99 = (x: WrkResult, y: WrkResult): boolean => x.latencyMs.p99 < y.latencyMs.p99;

function ratioRow(
  id: string,
  what: string,
  value: number,
  baselineWhat: string,
  baseline: number,
  goalRatio: number,
  detail?: Record<string, unknown>,
): Row {
  const ratio = value / baseline;
  return {
    id,
    what,
    value: round(value),
    unit: 'req/s',
    baselineWhat,
    baseline: round(baseline),
    ratio: round(ratio, 3),
    goal: `≥ ${goalRatio}×`,
    met: ratio >= goalRatio,
    ...(detail ? { detail } : {}),
  };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Builds protocol + authz-service into dist/ so the children run what production runs. */
function buildAuthz(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', 'authz-service'], {
    cwd: path.resolve(HERE, '../..'),
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('tsc -b authz-service failed');
}

async function main(): Promise<void> {
  buildAuthz();
  const signer = await createTestSigner({ issuer: ISSUER });
  const token = await signer.sign({ aud: HOST, resource: '/premium', plan: 'premium' });
  const children: Array<BenchChild<unknown>> = [];
  const rows: Row[] = [];
  let metered: MeteredBalance | undefined;
  let rssPeakMiB = 0;
  let rssSampler: NodeJS.Timeout | undefined;
  try {
    const trivial = await startChild<{ port: number }>(path.join(HERE, '../lib/trivial-http.mjs'));
    children.push(trivial);
    const trivialGrpc = await startChild<{ port: number }>(path.join(HERE, '../lib/trivial-grpc.mjs'));
    children.push(trivialGrpc);
    metered = await startMeteredBalance({ signer, host: HOST, credits: METERED_CREDITS });
    const authz = await startChild<{ httpPort: number; grpcPort: number }>(
      path.join(HERE, 'serve-authz.mjs'),
      [],
      {
        BENCH_AUTHZ_INPUT: JSON.stringify({
          jwksFile: signer.jwksFile,
          issuer: ISSUER,
          host: HOST,
          price: PRICE,
          metered: { price: METERED_PRICE, internalUrl: metered.internalUrl, token: metered.internalToken },
        }),
      },
    );
    children.push(authz);
    // (b-decided) the same authorizer deciding every request (decisionCache.maxAgeSeconds 0: no
    // allow memo), the like-for-like baseline of the credits allow, which is never memoised.
    const decided = await startChild<{ httpPort: number }>(path.join(HERE, 'serve-authz.mjs'), [], {
      BENCH_AUTHZ_INPUT: JSON.stringify({
        jwksFile: signer.jwksFile,
        issuer: ISSUER,
        host: HOST,
        price: PRICE,
        decisionCacheMaxAgeSeconds: 0,
      }),
    });
    children.push(decided);
    const rssIdle = authz.rssMiB();
    const rssTrivial = trivial.rssMiB();
    rssSampler = setInterval(() => {
      rssPeakMiB = Math.max(rssPeakMiB, authz.rssMiB());
    }, 250);

    const nginxHeaders = {
      'X-Original-URI': '/premium/doc?id=7',
      'X-Original-Method': 'GET',
      'X-Forwarded-Proto': 'http',
      Host: HOST,
    };
    const authzNginxUrl = `http://127.0.0.1:${authz.info.httpPort}/v1/nginx`;
    const tokenHeaders = { ...nginxHeaders, Authorization: `Bearer ${token}` };
    // (b-floor) node:http with the authorizer's memo alone, answering with a real allow's headers.
    const floor = await startChild<{ port: number }>(path.join(HERE, 'serve-memo-floor.mjs'), [], {
      BENCH_FLOOR_HEADERS: JSON.stringify(await allowHeaders(authzNginxUrl, tokenHeaders)),
    });
    children.push(floor);

    // (a) trivial node:http server, (b) /v1/nginx with a valid token (allow), (c) the 401 path,
    // (b-credits) the allow of a `credits` resource: the same token check, then a debit of the
    // token's balance through blocks leased from the real portal (PostgreSQL).
    const meteredHeaders = {
      ...nginxHeaders,
      'X-Original-URI': '/metered/doc?id=7',
      Authorization: `Bearer ${metered.token}`,
    };
    // The trivial server gets (b)'s request, token included: the same bytes to parse.
    const abc = await interleaved(
      ROUNDS,
      [
        () => wrkOnChild(trivial, `http://127.0.0.1:${trivial.info.port}/v1/nginx`, tokenHeaders),
        () => wrkOnChild(authz, authzNginxUrl, tokenHeaders),
        () => wrkOnChild(authz, authzNginxUrl, nginxHeaders),
        () => wrkOnChild(authz, authzNginxUrl, meteredHeaders),
        () => wrkOnChild(decided, `http://127.0.0.1:${decided.info.httpPort}/v1/nginx`, tokenHeaders),
        () => wrkOnChild(floor, `http://127.0.0.1:${floor.info.port}/v1/nginx`, tokenHeaders),
      ],
      moreRps,
    );
    const [a, b, c, bCredits, bDecided, bFloor] = abc.best as CpuWrkResult[] as [
      CpuWrkResult,
      CpuWrkResult,
      CpuWrkResult,
      CpuWrkResult,
      CpuWrkResult,
      CpuWrkResult,
    ];
    for (const r of abc.all[3]!)
      if (r.non2xx3xx > 0)
        throw new Error(`(b-credits) expected only 200s, got ${r.non2xx3xx} other answers`);
    // Every allow was debited: the balance (plus what blocks still hold) went down by at least the
    // allows of all runs; what the authorizer holds unspent is at most its blocks.
    const meteredAllows = abc.all[3]!.reduce((sum, r) => sum + r.requests, 0);
    const ledger = await metered.spent();
    for (const i of [1, 4, 5])
      for (const r of abc.all[i]!)
        if (r.non2xx3xx > 0)
          throw new Error(
            `(${['', 'b', '', '', 'b-decided', 'b-floor'][i]}) expected only 200s, got ${r.non2xx3xx} other answers`,
          );
    for (const r of abc.all[2]!)
      if (r.non2xx3xx !== r.requests)
        throw new Error(`(c) expected only 401s, got ${r.requests - r.non2xx3xx} 2xx`);
    rows.push(
      ratioRow(
        'b',
        '/v1/nginx, valid token (200)',
        b.requestsPerSecond,
        'trivial node:http 200, the same request',
        a.requestsPerSecond,
        0.85,
        {
          latencyMs: b.latencyMs,
          baselineLatencyMs: a.latencyMs,
          cpuUsPerRequest: b.cpuUsPerRequest,
          baselineCpuUsPerRequest: a.cpuUsPerRequest,
        },
      ),
    );
    rows.push({
      ...ratioRow(
        'b-floor',
        "node:http + the allow memo alone: its key read and lookup, a real allow's headers (serve-memo-floor.mjs)",
        bFloor.requestsPerSecond,
        'trivial node:http 200, the same request',
        a.requestsPerSecond,
        0,
        {
          latencyMs: bFloor.latencyMs,
          cpuUsPerRequest: bFloor.cpuUsPerRequest,
          baselineCpuUsPerRequest: a.cpuUsPerRequest,
        },
      ),
      goal: '— (the floor of b)',
    });
    rows.push({
      ...ratioRow(
        'b-decided',
        '/v1/nginx, valid token (200), every request decided (decisionCache.maxAgeSeconds 0, no memo)',
        bDecided.requestsPerSecond,
        'trivial node:http 200, the same request',
        a.requestsPerSecond,
        0,
        { latencyMs: bDecided.latencyMs, cpuUsPerRequest: bDecided.cpuUsPerRequest },
      ),
      goal: '— (shown)',
    });
    rows.push(
      ratioRow(
        'b-credits',
        '/v1/nginx, valid `credits` token (200), each allow debits 1 credit',
        bCredits.requestsPerSecond,
        '(b-decided) the same allow of a `pass` token, decided, same run',
        bDecided.requestsPerSecond,
        0.75,
        {
          latencyMs: bCredits.latencyMs,
          baselineLatencyMs: bDecided.latencyMs,
          cpuUsPerRequest: bCredits.cpuUsPerRequest,
          baselineCpuUsPerRequest: bDecided.cpuUsPerRequest,
          ratioToMemoisedPassAllow: round(bCredits.requestsPerSecond / b.requestsPerSecond, 3),
          blockRequests: 8,
          allowsMeasured: meteredAllows,
          creditsTakenFromBalance: (ledger.total - ledger.remaining).toString(),
          creditsInOpenLeases: ledger.leased.toString(),
        },
      ),
    );
    rows.push(
      ratioRow(
        'c',
        '/v1/nginx, no token (401)',
        c.requestsPerSecond,
        'trivial node:http 200',
        a.requestsPerSecond,
        0.5,
        { latencyMs: c.latencyMs, cpuUsPerRequest: c.cpuUsPerRequest },
      ),
    );

    // (d) gRPC Check, valid token vs a trivial grpc-js Check server
    const checkRequest = {
      attributes: {
        request: {
          http: {
            method: 'GET',
            path: '/premium/doc?id=7',
            host: HOST,
            scheme: 'http',
            headers: { ':authority': HOST, authorization: `Bearer ${token}`, accept: 'application/json' },
          },
        },
      },
    };
    const dd = await interleaved(
      ROUNDS,
      [
        () =>
          runGrpcLoad({
            port: trivialGrpc.info.port,
            request: checkRequest,
            inFlight: GRPC_IN_FLIGHT,
            durationSeconds: DURATION_S,
          }),
        () =>
          runGrpcLoad({
            port: authz.info.grpcPort,
            request: checkRequest,
            inFlight: GRPC_IN_FLIGHT,
            durationSeconds: DURATION_S,
          }),
      ],
      (x, y) => x.callsPerSecond > y.callsPerSecond,
    );
    const [dBase, d] = dd.best as [GrpcLoadResult, GrpcLoadResult];
    for (const r of dd.all[1]!)
      if (r.notOk > 0 || r.errors > 0)
        throw new Error(`(d) expected only OK Checks: ${r.notOk} denied, ${r.errors} errors`);
    rows.push({
      ...ratioRow(
        'd',
        'gRPC Check, valid token (OK)',
        d.callsPerSecond,
        'trivial grpc-js Check',
        dBase.callsPerSecond,
        0.8,
        { latencyMs: d.latencyMs, baselineLatencyMs: dBase.latencyMs },
      ),
      unit: 'calls/s',
    });

    // (e) NGINX + auth_request (shipped config, decision cache off) + Turnpike vs + the trivial server;
    // (e-cached) the shipped config as it is, decision cache on, vs the same baseline (the trivial
    // server sends no X-Accel-Expires, so NGINX asks it every time); (e-alone) e-cached vs NGINX
    // alone, no auth_request.
    const upstream = await startChild<{ port: number }>(path.join(HERE, '../lib/trivial-http.mjs'));
    children.push(upstream);
    const gwHeaders = { Host: HOST, Authorization: `Bearer ${token}` };
    const appAddress = `127.0.0.1:${upstream.info.port}`;
    const nginxes: Array<{ port: number; stop(): Promise<void> }> = [];
    let ee: { best: WrkResult[]; all: WrkResult[][] };
    try {
      /** Started ones are stopped in `finally`, even when a later one fails to start. */
      const started = async <T extends { port: number; stop(): Promise<void> }>(
        n: Promise<T>,
      ): Promise<T> => {
        const running = await n;
        nginxes.push(running);
        return running;
      };
      const turnpikeTargets = {
        authz: `127.0.0.1:${authz.info.httpPort}`,
        portal: `127.0.0.1:${trivial.info.port}`,
        upstream: appAddress,
      };
      const nginxTrivial = await started(
        startGateway('nginx', { ...turnpikeTargets, authz: `127.0.0.1:${trivial.info.port}` }),
      );
      const nginxTurnpike = await started(startGateway('nginx', turnpikeTargets, { decisionCache: false }));
      const nginxCached = await started(startGateway('nginx', turnpikeTargets));
      const nginxAlone = await started(startNginxAlone(appAddress));
      const at = (port: number) => `http://127.0.0.1:${port}/premium/doc?id=7`;
      ee = await interleaved(
        ROUNDS,
        [
          () => wrkMeasured(at(nginxTrivial.port), gwHeaders),
          () => wrkMeasured(at(nginxTurnpike.port), gwHeaders),
          () => wrkMeasured(at(nginxCached.port), gwHeaders),
          () => wrkMeasured(at(nginxAlone.port), gwHeaders),
        ],
        moreRps,
      );
    } finally {
      for (const n of nginxes) await n.stop();
    }
    const [eBase, e, eCached, eAlone] = ee.best as [WrkResult, WrkResult, WrkResult, WrkResult];
    for (const [name, runs] of [
      ['e', ee.all[1]!],
      ['e-cached', ee.all[2]!],
    ] as const)
      for (const r of runs)
        if (r.non2xx3xx > 0)
          throw new Error(`(${name}) expected only 200s through NGINX, got ${r.non2xx3xx} others`);
    rows.push(
      ratioRow(
        'e',
        'NGINX auth_request + Turnpike, valid token (decision cache off)',
        e.requestsPerSecond,
        'NGINX auth_request + trivial server',
        eBase.requestsPerSecond,
        0.9,
        { latencyMs: e.latencyMs, baselineLatencyMs: eBase.latencyMs },
      ),
      ratioRow(
        'e-cached',
        'NGINX auth_request + Turnpike, valid token, decision cache on (shipped config)',
        eCached.requestsPerSecond,
        'NGINX auth_request + trivial server',
        eBase.requestsPerSecond,
        1.0,
        { latencyMs: eCached.latencyMs, baselineLatencyMs: eBase.latencyMs },
      ),
      {
        ...ratioRow(
          'e-alone',
          'NGINX auth_request + Turnpike, valid token, decision cache on (shipped config)',
          eCached.requestsPerSecond,
          'NGINX alone (no auth_request)',
          eAlone.requestsPerSecond,
          0,
          { latencyMs: eCached.latencyMs, baselineLatencyMs: eAlone.latencyMs },
        ),
        goal: '— (shown)',
        met: true,
      },
    );

    // p99 at half of peak: (b) paced to half its measured peak, and the trivial server at the same rate
    const halfRate = Math.round(b.requestsPerSecond / 2);
    const hh = await interleaved(
      ROUNDS,
      [
        () =>
          wrkMeasured(
            authzNginxUrl,
            { ...nginxHeaders, Authorization: `Bearer ${token}` },
            { targetRate: halfRate },
          ),
        () =>
          wrkMeasured(`http://127.0.0.1:${trivial.info.port}/v1/nginx`, tokenHeaders, {
            targetRate: halfRate,
          }),
      ],
      lowerP99,
    );
    const [half, halfBase] = hh.best as [WrkResult, WrkResult];
    rows.push({
      id: 'p99',
      what: `/v1/nginx valid token, p99 at half of peak (target ${halfRate} req/s, achieved ${round(half.requestsPerSecond)})`,
      value: round(half.latencyMs.p99, 3),
      unit: 'ms',
      baselineWhat: `trivial node:http at the same pacing (achieved ${round(halfBase.requestsPerSecond)} req/s)`,
      baseline: round(halfBase.latencyMs.p99, 3),
      ratio: round(half.latencyMs.p99 / halfBase.latencyMs.p99, 3),
      goal: '< 2 ms',
      met: half.latencyMs.p99 < 2,
      detail: {
        latencyMs: half.latencyMs,
        baselineLatencyMs: halfBase.latencyMs,
        achievedRate: half.requestsPerSecond,
      },
    });

    clearInterval(rssSampler);
    rssSampler = undefined;
    const rssAfter = authz.rssMiB();
    rssPeakMiB = Math.max(rssPeakMiB, rssAfter);
    rows.push({
      id: 'rss',
      what: 'authz-service RSS, peak during the run',
      value: round(rssPeakMiB),
      unit: 'MiB',
      baselineWhat: 'trivial node:http child (plain node)',
      baseline: round(rssTrivial),
      ratio: round(rssPeakMiB / rssTrivial, 3),
      goal: '< 150 MB',
      met: rssPeakMiB * 1.048576 < 150,
      detail: { idleAfterStartMiB: round(rssIdle), afterRunMiB: round(rssAfter) },
    });

    // The same loads against an authorizer started as the shipped units start it (V8's heap capped):
    // shows how much of the peak above is heap V8 grows into because it may (a lazy GC), not
    // memory the service keeps.
    const capped = await startChild<{ httpPort: number; grpcPort: number }>(
      path.join(HERE, 'serve-authz.mjs'),
      [],
      {
        BENCH_AUTHZ_INPUT: JSON.stringify({
          jwksFile: signer.jwksFile,
          issuer: ISSUER,
          host: HOST,
          price: PRICE,
        }),
      },
      SHIPPED_NODE_OPTIONS.split(' '),
    );
    children.push(capped);
    let cappedPeak = capped.rssMiB();
    const cappedSampler = setInterval(() => {
      cappedPeak = Math.max(cappedPeak, capped.rssMiB());
    }, 250);
    let cappedRun: { http: WrkResult; grpc: GrpcLoadResult };
    try {
      cappedRun = {
        http: await wrkMeasured(`http://127.0.0.1:${capped.info.httpPort}/v1/nginx`, {
          ...nginxHeaders,
          Authorization: `Bearer ${token}`,
        }),
        grpc: await runGrpcLoad({
          port: capped.info.grpcPort,
          request: checkRequest,
          inFlight: GRPC_IN_FLIGHT,
          durationSeconds: DURATION_S * 2,
        }),
      };
    } finally {
      clearInterval(cappedSampler);
    }
    rows.push({
      id: 'rss-capped',
      what: `authz-service RSS, peak under (b) then (d) load, with the shipped ${SHIPPED_NODE_OPTIONS}`,
      value: round(cappedPeak),
      unit: 'MiB',
      baselineWhat: 'trivial node:http child (plain node)',
      baseline: round(rssTrivial),
      ratio: round(cappedPeak / rssTrivial, 3),
      goal: '< 150 MB',
      met: cappedPeak * 1.048576 < 150,
      detail: {
        httpRps: cappedRun.http.requestsPerSecond,
        grpcCallsPerSecond: cappedRun.grpc.callsPerSecond,
      },
    });

    const report = {
      generatedAt: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      method: {
        http: `wrk 4 -t1 -c${CONNECTIONS}, ${WARMUP_S}s warm-up then ${DURATION_S}s measured, loopback`,
        grpc: `grpc-js client loop, ${GRPC_IN_FLIGHT} calls in flight, ${DURATION_S}s, loopback`,
        halfPeak:
          'wrk with a Lua delay() pacing each connection to target/connections req/s (wrk 4 has no -R)',
        servers:
          'each server in its own Node child process (plain node on the built dist/); load generator, servers and NGINX share the same cores',
        rounds: `${ROUNDS} interleaved rounds per comparison, best round of each side kept (rps: highest; p99: lowest)`,
      },
      baselines: { trivialHttp: a, trivialGrpc: dBase, nginxTrivial: eBase, nginxAlone: eAlone },
      results: { b, bCredits, c, d, e, eCached, half, halfBase },
      rounds: { abc: abc.all, grpc: dd.all, nginx: ee.all, halfPeak: hh.all },
      rows,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, 'authz.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, 'authz.md'), markdown(report.generatedAt, report.method, rows));
    console.log(markdown(report.generatedAt, report.method, rows));
  } finally {
    if (rssSampler) clearInterval(rssSampler);
    for (const child of children.reverse()) await child.stop();
    await metered?.close();
    signer.cleanup();
  }
}

/** NODE_OPTIONS of deploy/systemd/turnpike-authz.service (tests/deploy checks the others match). */
function shippedNodeOptions(): string {
  const unit = readFileSync(path.resolve(HERE, '../../deploy/systemd/turnpike-authz.service'), 'utf8');
  const m = /^Environment="NODE_OPTIONS=([^"]+)"$/m.exec(unit);
  if (m === null) throw new Error('deploy/systemd/turnpike-authz.service sets no NODE_OPTIONS');
  return m[1]!;
}

function cpuCell(r: Row): string {
  const d = r.detail as { cpuUsPerRequest?: number; baselineCpuUsPerRequest?: number } | undefined;
  if (d?.cpuUsPerRequest === undefined) return '';
  return d.baselineCpuUsPerRequest === undefined
    ? `${d.cpuUsPerRequest}`
    : `${d.cpuUsPerRequest}, ${d.baselineCpuUsPerRequest}`;
}

function markdown(when: string, method: Record<string, string>, rows: Row[]): string {
  const lines = [
    '# bench/authz',
    '',
    `Run ${when}. ${Object.values(method).join('. ')}.`,
    '',
    '| | measured | value | baseline (same run) | baseline value | ratio | server CPU µs / request (measured, baseline) | goal | met |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.what} | ${r.value} ${r.unit} | ${r.baselineWhat} | ${r.baseline} ${r.unit} | ${r.ratio} | ${cpuCell(r)} | ${r.goal} | ${r.goal.startsWith('—') ? '—' : r.met ? 'yes' : 'no'} |`,
    ),
    '',
    'Server CPU µs / request: user + system CPU time of the serving process (from /proc) over the measured run, divided by the requests answered; it depends less than req/s on what else runs on the machine.',
    '',
  ];
  return lines.join('\n');
}

await main();
