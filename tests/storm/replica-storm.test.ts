/**
 * Issue 8, "replica storm": 200 payers (50 in flight), each with its own wallet, pay through real
 * NGINX (the shipped integrations/nginx config) in front of two authz-service and three
 * payment-portal processes on one PostgreSQL, on anvil with Circle's USDC mining a block a second
 * and one confirmation required, so most first proofs are told `payment_pending` + Retry-After.
 * After a third of the payers have started, one authorizer and one portal are SIGKILLed.
 *
 * What must hold: every payer that paid gets in (a 200 with the upstream's body) and its token
 * opens the next call; every payment transaction is credited exactly once in `redemptions`; the
 * upstream served exactly the 200s the payers saw; no answer to a valid payer is a 5xx or a 403
 * without `x-402-reason` (a 503 with a reason and Retry-After is tolerated only when that payer
 * then got in); no payer ends with `payment_already_redeemed`.
 *
 * The storm runs once in beforeAll; each `it` checks one property of it, and the summary (counts
 * per answer and outcome, example answer sequences) is printed, so a failure says how it failed.
 */
import { killAll } from '../support/processes.js';
import { formatDigest, nginxErrorDigest, serviceLogDigest } from './log-digest.js';
import { NETWORK, startReplicaStack, type ReplicaStack } from './replica-stack.js';
import { runPayer, type PayerResult } from './storm-payer.js';
import { formatSummary, sequenceOf, summarise, type StormSummary } from './storm-report.js';

const PAYERS = 200;
const IN_FLIGHT = 50;
const AUTHZ_REPLICAS = 2;
const PORTAL_REPLICAS = 3;
/** The kill comes as payer number KILL_AT starts (a third of the way in). */
const KILL_AT = Math.floor(PAYERS / 3);
/** How long one payer may keep retrying. */
const PAYER_BUDGET_MS = 45_000;
/** How long the watchers get to credit payments whose payer never got in. */
const CREDIT_WAIT_MS = 20_000;
const SHOWN = 10;

interface Storm {
  results: PayerResult[];
  summary: StormSummary;
  killedAtMs: number;
  killedExits: Array<number | string>;
  /** tx hash (lower case) → rows in `redemptions`. */
  credited: Map<string, number>;
  redemptionRows: number;
  leaseOwners: { before: string | null; after: string | null };
  /** GET requests the upstream app served, by path (probes excluded). */
  upstreamHits: Map<string, number>;
  startedAt: number;
  durationMs: number;
}

let stack: ReplicaStack | undefined;
let storm: Storm;

const pathOf = (i: number) => `/premium/storm/${i}`;

async function leaseOwner(s: ReplicaStack): Promise<string | null> {
  const rows = await s.query<{ lease_owner: string | null }>(
    'SELECT lease_owner FROM watcher_cursors WHERE network = $1',
    [NETWORK],
  );
  return rows[0]?.lease_owner ?? null;
}

async function creditedTxs(s: ReplicaStack): Promise<{ byTx: Map<string, number>; rows: number }> {
  const rows = await s.query<{ tx: string; n: string }>(
    'SELECT lower(tx_hash) AS tx, count(*) AS n FROM redemptions WHERE network = $1 GROUP BY lower(tx_hash)',
    [NETWORK],
  );
  return {
    byTx: new Map(rows.map((r) => [r.tx, Number(r.n)])),
    rows: rows.reduce((n, r) => n + Number(r.n), 0),
  };
}

async function runStorm(s: ReplicaStack): Promise<Storm> {
  const startedAt = Date.now();
  const results: PayerResult[] = [];
  const before = await leaseOwner(s);
  let kill: Promise<Array<number | string>> | undefined;
  let killedAtMs = -1;
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < PAYERS; i = next++) {
      if (i === KILL_AT) {
        killedAtMs = Date.now() - startedAt;
        // Not awaited: the other lanes keep going while the two processes die.
        kill = Promise.all(
          [s.authz[0]!, s.portals[0]!].map(async (victim) => {
            await victim.kill();
            return victim.proc.exited;
          }),
        );
      }
      results[i] = await runPayer({
        index: i,
        baseUrl: s.baseUrl,
        path: pathOf(i),
        wallet: s.payers[i]!,
        symbol: i % 2 === 0 ? 'USDC' : 'ETH',
        network: NETWORK,
        startedAt,
        deadline: Date.now() + PAYER_BUDGET_MS,
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const killedExits = kill === undefined ? [] : await kill;
  const after = await leaseOwner(s);

  // Payers that never got in were still paid on chain: the surviving watchers must credit them.
  const paidTxs = results.flatMap((r) => (r.tx === undefined ? [] : [r.tx.toLowerCase()]));
  let credited = await creditedTxs(s);
  const creditDeadline = Date.now() + CREDIT_WAIT_MS;
  while (paidTxs.some((tx) => !credited.byTx.has(tx)) && Date.now() < creditDeadline) {
    await new Promise((r) => setTimeout(r, 500));
    credited = await creditedTxs(s);
  }
  const upstreamHits = new Map<string, number>();
  for (const r of await s.upstream.appRequests()) {
    if (r.method === 'GET') upstreamHits.set(r.url, (upstreamHits.get(r.url) ?? 0) + 1);
  }
  return {
    results,
    upstreamHits,
    summary: summarise(results, killedAtMs),
    killedAtMs,
    killedExits,
    credited: credited.byTx,
    redemptionRows: credited.rows,
    leaseOwners: { before, after },
    startedAt,
    durationMs: Date.now() - startedAt,
  };
}

beforeAll(async () => {
  const setupStarted = Date.now();
  stack = await startReplicaStack({
    authzReplicas: AUTHZ_REPLICAS,
    portalReplicas: PORTAL_REPLICAS,
    payers: PAYERS,
  });
  const setupMs = Date.now() - setupStarted;
  storm = await runStorm(stack);
  console.log(
    `replica storm (setup ${setupMs} ms ${JSON.stringify(stack.setupMs)}, storm ${storm.durationMs} ms)\n` +
      formatSummary(storm.summary, {
        'killed authz-1 and portal-1 at': `${storm.killedAtMs} ms (exits ${storm.killedExits.join(', ')})`,
        'watcher lease owner before/after the kill': storm.leaseOwners,
        'redemptions rows': storm.redemptionRows,
      }) +
      '\n' +
      [
        formatDigest(
          'nginx error log',
          nginxErrorDigest(stack.nginx.errorLog(), stack.names, storm.startedAt),
        ),
        ...[...stack.authz, ...stack.portals].map((p) =>
          formatDigest(`${p.name} warnings and errors`, serviceLogDigest(p.proc.output())),
        ),
      ].join('\n'),
  );
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await killAll();
});

describe('replica storm: 200 payers through NGINX, 2 authorizers + 3 portals on one PostgreSQL, one of each SIGKILLed', () => {
  it('runs what it claims: both upstream blocks list every replica, many first proofs wait for a confirmation, the kill happened mid-run', () => {
    const conf = stack!.nginx.files['conf.d/turnpike.conf']!;
    const authzBlock = /upstream turnpike_authz \{[^}]*\}/.exec(conf)?.[0] ?? '';
    const portalBlock = /upstream turnpike_portal \{[^}]*\}/.exec(conf)?.[0] ?? '';
    expect(authzBlock.match(/server 127\.0\.0\.1:\d+/g)).toHaveLength(AUTHZ_REPLICAS);
    expect(portalBlock.match(/server 127\.0\.0\.1:\d+/g)).toHaveLength(PORTAL_REPLICAS);
    const lb = stack!.nginx.files['conf.d/storm-portal-internal.conf']!;
    expect(lb.match(/server 127\.0\.0\.1:\d+;/g)).toHaveLength(PORTAL_REPLICAS);

    expect(storm.results).toHaveLength(PAYERS);
    expect(storm.killedExits).toEqual(['SIGKILL', 'SIGKILL']);
    // Payers were still starting after the kill, and payments were in flight across it.
    const startedAfterKill = storm.results.filter((r) => (r.answers[0]?.at ?? -1) > storm.killedAtMs);
    expect(startedAfterKill.length).toBeGreaterThan(PAYERS / 2);
    // Blocks come every second and a payment needs one on top: many first proofs must be told to
    // wait (how many depends on the machine's load, so only a floor).
    expect(storm.summary.firstProofPending).toBeGreaterThan(PAYERS / 10);
  });

  it('every payer paid, and every payer that paid got a 200 with the upstream body and a token that opens the next call', () => {
    const notPaid = storm.results.filter((r) => r.tx === undefined).map(sequenceOf);
    const paidNotIn = storm.results
      .filter((r) => r.tx !== undefined && r.outcome !== 'granted')
      .map(sequenceOf);
    const wrongBody = storm.results
      .filter((r) => r.outcome === 'granted')
      .filter((r) => JSON.stringify(r.grantedBody) !== JSON.stringify({ content: 'premium', path: r.path }))
      .map((r) => `#${r.index}: ${JSON.stringify(r.grantedBody)}`);
    const tokenNotReusable = storm.results
      .filter((r) => r.outcome === 'granted' && r.bearerStatus !== 200)
      .map((r) => `#${r.index}: bearer → ${r.bearerStatus ?? 'no token / no answer'}`);
    expect({
      notPaid: notPaid.length,
      paidNotIn: paidNotIn.length,
      wrongBody: wrongBody.length,
      tokenNotReusable: tokenNotReusable.length,
      examples: [...notPaid, ...paidNotIn, ...wrongBody, ...tokenNotReusable].slice(0, SHOWN),
    }).toEqual({ notPaid: 0, paidNotIn: 0, wrongBody: 0, tokenNotReusable: 0, examples: [] });
  });

  it('every payment transaction is credited exactly once in redemptions, and nothing else is', () => {
    const paid = storm.results.flatMap((r) => (r.tx === undefined ? [] : [r.tx.toLowerCase()]));
    const wrongCount = paid
      .filter((tx) => storm.credited.get(tx) !== 1)
      .map((tx) => `${tx}: ${storm.credited.get(tx) ?? 0}`);
    expect({ wrongCount: wrongCount.slice(0, SHOWN), rows: storm.redemptionRows }).toEqual({
      wrongCount: [],
      rows: paid.length,
    });
  });

  it('the upstream served exactly the 200s each payer saw (the paid request and the token reuse)', () => {
    const hits = storm.upstreamHits;
    const mismatched = storm.results
      .map((r) => ({ r, seen: r.answers.filter((a) => !a.followed && a.status === 200).length }))
      .filter(({ r, seen }) => (hits.get(r.path) ?? 0) !== seen || (r.tx !== undefined && seen === 0))
      .map(
        ({ r, seen }) =>
          `#${r.index}: upstream ${hits.get(r.path) ?? 0}, client saw ${seen} × 200 (${r.outcome})`,
      );
    expect({ mismatched: mismatched.length, examples: mismatched.slice(0, SHOWN) }).toEqual({
      mismatched: 0,
      examples: [],
    });
  });

  it('no valid payer got a 5xx or a 403 without x-402-reason (a 503 with reason and Retry-After only if that payer then got in)', () => {
    const bad = storm.summary.forbiddenAnswers;
    const byKind: Record<string, number> = {};
    for (const a of bad) {
      const k = `${a.phase} ${a.status} ${a.reasonHeader ? a.reason : '(no x-402-reason)'}${a.retryAfter === undefined ? '' : ' +Retry-After'}`;
      byKind[k] = (byKind[k] ?? 0) + 1;
    }
    const examplePayers = [...new Set(bad.map((a) => a.payer))].slice(0, SHOWN);
    expect({
      forbidden: bad.length,
      byKind,
      examples: examplePayers.map((i) => sequenceOf(storm.results[i]!)),
    }).toEqual({ forbidden: 0, byKind: {}, examples: [] });
  });

  it('no payer ended with payment_already_redeemed', () => {
    const stuck = storm.results.filter((r) => r.outcome === 'already_redeemed');
    expect({ stuck: stuck.length, examples: stuck.slice(0, SHOWN).map(sequenceOf) }).toEqual({
      stuck: 0,
      examples: [],
    });
  });
});
