/**
 * bench/402: what a 402 costs. Turnpike's authorizer answering API and browser 402s from memory
 * (its forward-auth dialect, called directly), side by side in one run with the reference x402
 * server — Express 5 + `@x402/express` v2 answering its own 402 for a priced route — and the API
 * 402 past its buffer of leased addresses (every address leased and derived during the run), with
 * the portal's lease rate, the ceiling of that case. Then 10,000 API 402s in a row with every table's row count of the portal's database
 * before and after. Writes bench/results/402.json and 402.md. See bench/402/README.md.
 *
 *   npx tsx --conditions=source bench/402/run.ts     (or: npm run bench -- 402)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AUTHZ_DEFAULTS } from '@turnpike/authz-service';
import { request402s } from '../../tests/support/request-402s.js';
import { changedCounts, countRows } from '../../tests/support/row-counts.js';
import { startChild, type BenchChild } from '../lib/child.js';
import { measure, type Measured } from './measure.js';
import { markdown, rowOf, type Cursor, type LeaseRate, type Report } from './report.js';
import { bufferSize, fillBuffer, HOST, startBench402Stack, type AuthzInfo } from './stack.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(HERE, '../results');
const RESOURCE = '/premium/doc?id=7';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = 1;
const CONNECTIONS = 32;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The API 402s in a row whose row counts are compared. */
const NO_WRITE_402S = Number(process.env.BENCH_402_NO_WRITE_COUNT ?? 10_000);
/**
 * The measured authorizer's buffer, sized for the run: filled to the brim before each API round,
 * it must stay above half (where it starts leasing again) through the warm-up and measured run.
 */
const WARM_BUFFER = { addressBuffer: Number(process.env.BENCH_402_BUFFER ?? 200_000), leaseSize: 4_096 };
/** The flood row's authorizer keeps the defaults: its warm-up alone uses up the buffer. */
const DEFAULT_BUFFER = {
  addressBuffer: AUTHZ_DEFAULTS.challengeAddressBuffer,
  leaseSize: AUTHZ_DEFAULTS.challengeLeaseSize,
};
/** A directory: the measured authorizer then runs with --cpu-prof and leaves its profile there. */
const CPU_PROF_DIR = process.env.BENCH_402_CPU_PROF;

function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', 'authz-service', 'payment-portal'], {
    cwd: path.resolve(HERE, '../..'),
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('tsc -b authz-service payment-portal failed');
}

/**
 * Fills an authorizer's buffer to `count` and times it: the portal's lease rate (addresses/s) and
 * its CPU per address, with nothing else running — the ceiling of API 402s once a buffer is empty.
 */
async function timeFill(
  authz: BenchChild<AuthzInfo>,
  portal: BenchChild<unknown>,
  count: number,
): Promise<LeaseRate | undefined> {
  const from = await bufferSize(authz);
  const cpu0 = portal.cpuMs();
  const t0 = process.hrtime.bigint();
  const to = await fillBuffer(authz, count);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const leased = to - from;
  if (leased <= 0) return undefined;
  return {
    leased,
    seconds: Math.round(seconds * 100) / 100,
    addressesPerSecond: Math.round(leased / seconds),
    portalCpuMsPerAddress: Math.round(((portal.cpuMs() - cpu0) / leased) * 1000) / 1000,
    loadAverage1m: loadavg()[0] as number,
  };
}

function medianLeaseRate(rates: LeaseRate[]): LeaseRate {
  if (rates.length === 0) throw new Error('bench/402: no fill of the buffer leased anything');
  const sorted = [...rates].sort((a, b) => a.addressesPerSecond - b.addressesPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`bench/402: ${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const forwardAuth = (accept: string) => ({
  'X-Forwarded-Method': 'GET',
  'X-Forwarded-Uri': RESOURCE,
  'X-Forwarded-Host': HOST,
  'X-Forwarded-Proto': 'https',
  Accept: accept,
});
const API = forwardAuth('application/json');
const BROWSER = forwardAuth('text/html,application/xhtml+xml;q=0.9,*/*;q=0.8');
const authzUrl = (a: BenchChild<AuthzInfo>) => `http://127.0.0.1:${a.info.httpPort}/v1/forward-auth`;

/**
 * Records one 402 of `a` for `headers` (status, headers, body) and starts a bare node:http server
 * answering every request with those bytes: the floor of that 402's row, in the same run.
 */
async function startReplay(
  a: BenchChild<AuthzInfo>,
  headers: Record<string, string>,
  dir: string,
  name: string,
): Promise<BenchChild<{ port: number }>> {
  const answer = await fetch(authzUrl(a), { headers });
  if (answer.status !== 402) throw new Error(`recording a 402 (${name}): got ${answer.status}`);
  const recorded: Record<string, string> = {};
  const hopByHop = ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'];
  answer.headers.forEach((value, key) => {
    if (!hopByHop.includes(key)) recorded[key] = value;
  });
  const file = path.join(dir, `${name}-402.json`);
  writeFileSync(
    file,
    JSON.stringify({ status: answer.status, headers: recorded, body: await answer.text() }),
  );
  return startChild<{ port: number }>(path.join(HERE, 'serve-replay.mjs'), [], { BENCH_REPLAY_FILE: file });
}

/** Checks the x402 server answers a 402 with x402 v2 terms in PAYMENT-REQUIRED. */
async function checkX402Answer(url: string): Promise<void> {
  const answer = await fetch(url, { headers: { Accept: 'application/json' } });
  const required = answer.headers.get('payment-required');
  if (answer.status !== 402 || required === null)
    throw new Error(`the x402 server answered ${answer.status} without PAYMENT-REQUIRED`);
  const terms = JSON.parse(Buffer.from(required, 'base64').toString('utf8')) as { x402Version?: unknown };
  if (terms.x402Version !== 2) throw new Error('the x402 server did not answer x402 v2 terms');
}

async function main(): Promise<void> {
  build();
  const loadAtStart = loadavg();
  const stack = await startBench402Stack({
    authorizers: {
      warm: {
        buffer: WARM_BUFFER,
        nodeArgs:
          CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF_DIR)}`],
      },
      flood: { buffer: DEFAULT_BUFFER },
    },
  });
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  let connected = false;
  const scratch = mkdtempSync(path.join(tmpdir(), 'turnpike-bench-402-replay-'));
  let replay: BenchChild<{ port: number }> | undefined;
  let browserReplay: BenchChild<{ port: number }> | undefined;
  try {
    const { warm, flood } = stack.authz as { warm: BenchChild<AuthzInfo>; flood: BenchChild<AuthzInfo> };
    const x402Url = `http://127.0.0.1:${stack.x402.info.port}${RESOURCE}`;

    // Every server answers the 402 it is measured on (an authorizer once it holds the payee).
    for (const a of [warm, flood])
      await waitFor('an authorizer answering an API 402', async () => {
        await request402s({ url: authzUrl(a), headers: API, kind: 'api', count: 1, concurrency: 1 });
        return true;
      });
    await request402s({ url: authzUrl(warm), headers: BROWSER, kind: 'browser', count: 1, concurrency: 1 });
    await checkX402Answer(x402Url);
    replay = await startReplay(warm, API, scratch, 'api');
    const replayUrl = `http://127.0.0.1:${replay.info.port}/v1/forward-auth`;
    browserReplay = await startReplay(warm, BROWSER, scratch, 'browser');
    const browserReplayUrl = `http://127.0.0.1:${browserReplay.info.port}/v1/forward-auth`;
    console.log(
      `bench/402: filling the measured authorizer's buffer (${WARM_BUFFER.addressBuffer} addresses)`,
    );
    // The first fill runs while start-up leases are on their way: it is kept apart.
    const firstFill = await timeFill(warm, stack.portal, WARM_BUFFER.addressBuffer);
    const leaseRates: LeaseRate[] = [];
    await waitFor('the flood authorizer holding half its buffer', async () => {
      return (await bufferSize(flood)) >= DEFAULT_BUFFER.addressBuffer / 2;
    });

    // 10,000 API 402s in a row, on the default-buffer authorizer (it leases ~10 blocks meanwhile).
    // Both authorizers have leased already: the challenge branch's cursor row exists.
    await db.connect();
    connected = true;
    const cursors = async (): Promise<Cursor> =>
      (
        await db.query<{ branch: number; next_index: string }>(
          'SELECT branch, next_index FROM address_index_cursors ORDER BY wallet_id, branch',
        )
      ).rows.map((r) => ({ branch: Number(r.branch), nextIndex: Number(r.next_index) }));
    const countsBefore = await countRows(db);
    const cursorsBefore = await cursors();
    const many = await request402s({
      url: authzUrl(flood),
      headers: API,
      kind: 'api',
      count: NO_WRITE_402S,
      concurrency: CONNECTIONS,
    });
    const countsAfter = await countRows(db);
    const cursorsAfter = await cursors();
    console.log(
      `bench/402: ${NO_WRITE_402S} API 402s in ${many.elapsedSeconds.toFixed(1)} s, ${many.distinctAddresses} distinct addresses, tables changed: ${changedCounts(countsBefore, countsAfter).length}`,
    );

    // The measured rounds, interleaved: x402 | API (warm buffer) | browser | API (past the buffer).
    const run = (
      url: string,
      headers: Record<string, string>,
      serving: Record<string, BenchChild<unknown>>,
    ) =>
      measure({
        url,
        headers,
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_S,
        durationSeconds: DURATION_S,
        serving,
      });
    const rounds: Record<'x402' | 'api' | 'browser' | 'flood' | 'floor' | 'browserFloor', Measured[]> = {
      x402: [],
      api: [],
      browser: [],
      flood: [],
      floor: [],
      browserFloor: [],
    };
    const warmRoundUsable: boolean[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      console.log(`bench/402: round ${r + 1}/${ROUNDS} (load average ${loadavg()[0]?.toFixed(2)})`);
      rounds.x402.push(await run(x402Url, { Accept: 'application/json' }, { express: stack.x402 }));

      // To the brim, so the round never falls to half (where leasing, and deriving, would start).
      const fill = await timeFill(warm, stack.portal, WARM_BUFFER.addressBuffer);
      if (fill !== undefined) leaseRates.push(fill);
      const api = await measure({
        url: authzUrl(warm),
        headers: API,
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_S,
        durationSeconds: DURATION_S,
        serving: { authz: warm, portal: stack.portal },
        bufferSize: () => bufferSize(warm),
      });
      rounds.api.push(api);
      warmRoundUsable.push((await bufferSize(warm)) >= WARM_BUFFER.addressBuffer / 2);

      rounds.browser.push(await run(authzUrl(warm), BROWSER, { authz: warm, portal: stack.portal }));
      rounds.floor.push(await run(replayUrl, API, { replay }));
      rounds.browserFloor.push(await run(browserReplayUrl, BROWSER, { replay: browserReplay }));

      rounds.flood.push(
        await measure({
          url: authzUrl(flood),
          headers: API,
          connections: CONNECTIONS,
          warmupSeconds: WARMUP_S,
          durationSeconds: DURATION_S,
          serving: { authz: flood, portal: stack.portal },
          bufferSize: () => bufferSize(flood),
        }),
      );
      // Its background top-up (to half the buffer) ends before anything else is measured.
      await waitFor('the flood authorizer topped up', async () => {
        return (await bufferSize(flood)) >= DEFAULT_BUFFER.addressBuffer / 2;
      });
    }
    const countsAtEnd = await countRows(db);
    if (stack.facilitatorOtherCalls() > 0)
      throw new Error(
        `the stub facilitator was asked ${stack.facilitatorOtherCalls()} times beyond /supported`,
      );

    const best = (results: Measured[], usable: (i: number) => boolean = () => true): Measured => {
      const ok = results.filter((_, i) => usable(i));
      if (ok.length === 0)
        throw new Error('bench/402: no usable round (the warm buffer fell to half every time)');
      return ok.reduce((x, y) => (y.wrk.requestsPerSecond > x.wrk.requestsPerSecond ? y : x));
    };
    const bx = best(rounds.x402);
    const ba = best(rounds.api, (i) => warmRoundUsable[i] === true);
    const apiMet =
      ba.wrk.requestsPerSecond >= 3 * bx.wrk.requestsPerSecond && ba.wrk.latencyMs.p99 < bx.wrk.latencyMs.p99;
    const rows = [
      rowOf('x402', 'Express 5 + @x402/express v2, priced route: its own 402 (PAYMENT-REQUIRED)', bx, bx, {
        text: 'baseline',
        met: null,
      }),
      rowOf(
        'api',
        `Turnpike API 402 (/v1/forward-auth, Accept: application/json): sealed challenge, a fresh address from a warm buffer (${WARM_BUFFER.addressBuffer}), pay link, x402 v1 + v2 terms`,
        ba,
        bx,
        { text: '≥ 3× its rate, p99 below its p99', met: apiMet },
      ),
      rowOf(
        'browser',
        'Turnpike browser 402 (/v1/forward-auth, Accept: text/html): sealed pay link',
        best(rounds.browser),
        bx,
        {
          text: '—',
          met: null,
        },
      ),
      rowOf(
        'floor',
        "node:http floor: a bare node:http server sending one recorded API 402's bytes to the same request (no decision, no rendering)",
        best(rounds.floor),
        bx,
        { text: '— (what any 402 served by node:http can reach here)', met: null },
      ),
      rowOf(
        'browser floor',
        "node:http floor of the browser row: a bare node:http server sending one recorded browser 402's bytes",
        best(rounds.browserFloor),
        bx,
        { text: '— (with the browser row: what the decision path costs)', met: null },
      ),
      rowOf(
        'flood',
        `Turnpike API 402 past its buffer (the defaults, ${DEFAULT_BUFFER.addressBuffer} / lease ${DEFAULT_BUFFER.leaseSize}, used up in the warm-up): every address leased and derived while measured`,
        best(rounds.flood),
        bx,
        { text: '— (the sustained rate of a flood longer than the buffer)', met: null },
      ),
    ];

    const report: Report = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadAverage: { start: loadAtStart, end: loadavg() },
      },
      method: {
        load: `wrk 4 -t1 -c${CONNECTIONS}, ${WARMUP_S}s warm-up then ${DURATION_S}s measured, loopback`,
        rounds: `${ROUNDS} interleaved rounds (x402, API, browser, the two node:http floors, API past the buffer), each row its best round by rate`,
        servers:
          'each server in its own Node process on the built dist/ (Express+x402; payment-portal on PostgreSQL; two authorizers); PostgreSQL, wrk and the servers share the cores',
        turnpike:
          "the authorizer's forward-auth dialect called directly, with the headers Traefik and Caddy send",
        warmBuffer: `challenges.addressBuffer ${WARM_BUFFER.addressBuffer}, leaseSize ${WARM_BUFFER.leaseSize}, filled to the brim before each API round (no lease while it is measured)`,
        facilitator:
          "the x402 server's facilitator is a stub answering GET /supported (asked once, at start)",
      },
      rows,
      leaseRate: medianLeaseRate(
        leaseRates.length > 0 ? leaseRates : [firstFill].filter((f) => f !== undefined),
      ),
      leaseRates: firstFill === undefined ? leaseRates : [firstFill, ...leaseRates],
      rounds: { ...rounds, apiRoundUsable: warmRoundUsable },
      noWrites: {
        api402s: NO_WRITE_402S,
        concurrency: CONNECTIONS,
        authorizer: `defaults (buffer ${DEFAULT_BUFFER.addressBuffer}, lease ${DEFAULT_BUFFER.leaseSize})`,
        elapsedSeconds: Math.round(many.elapsedSeconds * 100) / 100,
        distinctChallenges: many.distinctChallenges,
        distinctAddresses: many.distinctAddresses,
        rowCountsBefore: countsBefore,
        rowCountsAfter: countsAfter,
        changed: changedCounts(countsBefore, countsAfter),
        challengeCursorBefore: cursorsBefore,
        challengeCursorAfter: cursorsAfter,
      },
      wholeRun: {
        what: 'every 402 of the run: the 10,000 and all measured rounds',
        rowCountsBefore: countsBefore,
        rowCountsAfter: countsAtEnd,
        changed: changedCounts(countsBefore, countsAtEnd),
        challengeCursorAfter: await cursors(),
      },
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, '402.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, '402.md'), markdown(report));
    console.log(markdown(report));
    if (report.noWrites.changed.length > 0 || report.wholeRun.changed.length > 0)
      throw new Error('bench/402: a 402 changed the row counts (see bench/results/402.json)');
  } finally {
    if (connected) await db.end().catch(() => undefined);
    await replay?.stop();
    await browserReplay?.stop();
    rmSync(scratch, { recursive: true, force: true });
    await stack.close();
  }
}

await main();
