/** bench/402's results: the rows compared with the x402 server, and the row counts, as Markdown. */
import type { Measured } from './measure.js';

export interface Row {
  id: string;
  what: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Rate ÷ the x402 row's rate. */
  rateRatio: number;
  /** p99 ÷ the x402 row's p99. */
  p99Ratio: number;
  cpuMsPerRequest: number;
  cpuMsPerRequestByProcess: Record<string, number>;
  /** API 402s: leased addresses ready during the measured run (min / median). */
  bufferDuringRun?: Measured['bufferDuringRun'];
  goal: string;
  met: boolean | null;
}

export type RowCounts = Record<string, number>;
export type Cursor = Array<{ branch: number; nextIndex: number }>;

/** The portal leasing addresses to an authorizer with nothing else running (a timed `fill`). */
export interface LeaseRate {
  leased: number;
  seconds: number;
  addressesPerSecond: number;
  portalCpuMsPerAddress: number;
  loadAverage1m: number;
}

export type Changed = Array<{ table: string; before: number | undefined; after: number | undefined }>;

export interface Report {
  generatedAt: string;
  machine: { cpus: number; node: string; loadAverage: { start: number[]; end: number[] } };
  method: Record<string, string>;
  rows: Row[];
  /** The median timed fill of the measured authorizer's buffer between rounds. */
  leaseRate: LeaseRate;
  /** Every timed fill, the first (from half, at start) included. */
  leaseRates: LeaseRate[];
  /** Every measured run, by configuration (402.json only). */
  rounds: Record<string, unknown>;
  noWrites: {
    api402s: number;
    concurrency: number;
    authorizer: string;
    elapsedSeconds: number;
    distinctChallenges: number;
    distinctAddresses: number;
    rowCountsBefore: RowCounts;
    rowCountsAfter: RowCounts;
    changed: Changed;
    challengeCursorBefore: Cursor;
    challengeCursorAfter: Cursor;
  };
  wholeRun: {
    what: string;
    rowCountsBefore: RowCounts;
    rowCountsAfter: RowCounts;
    changed: Changed;
    challengeCursorAfter: Cursor;
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** A row from the best round of one configuration, compared with the x402 server's best round. */
export function rowOf(
  id: string,
  what: string,
  m: Measured,
  x402: Measured,
  goal: { text: string; met: boolean | null },
): Row {
  return {
    id,
    what,
    requestsPerSecond: round2(m.wrk.requestsPerSecond),
    p50Ms: round2(m.wrk.latencyMs.p50),
    p99Ms: round2(m.wrk.latencyMs.p99),
    rateRatio: round2(m.wrk.requestsPerSecond / x402.wrk.requestsPerSecond),
    p99Ratio: round2(m.wrk.latencyMs.p99 / x402.wrk.latencyMs.p99),
    cpuMsPerRequest: m.cpuMsPerRequest,
    cpuMsPerRequestByProcess: m.cpuMsPerRequestByProcess,
    ...(m.bufferDuringRun === undefined ? {} : { bufferDuringRun: m.bufferDuringRun }),
    goal: goal.text,
    met: goal.met,
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Why the API row's rate goal is or is not met, from the run's own CPU figures. Each server here
 * saturates one core, so its rate is about 1 ÷ its CPU per request (rate × CPU ≈ 1 s in every row):
 * 3× x402's rate needs at most a third of x402's CPU per 402. node:http alone spends the floor row
 * on the API 402's bytes; what the authorizer adds to a 402 whose rendering is a cached pay link
 * (the browser row over its own floor) is its decision path. Their sum is an API 402 whose
 * rendering cost nothing.
 */
export function rateBudget(rows: readonly Row[]): string | undefined {
  const cpu = (id: string): number => rows.find((r) => r.id === id)?.cpuMsPerRequest ?? 0;
  const [x, a, b, f, bf] = [cpu('x402'), cpu('api'), cpu('browser'), cpu('floor'), cpu('browser floor')];
  if (!(x > 0 && a > 0 && b > 0 && f > 0 && bf > 0)) return undefined;
  const budget = x / 3;
  const decision = Math.max(0, b - bf);
  const ceiling = f + decision;
  const rendering = Math.max(0, a - ceiling);
  const verdict =
    a <= budget
      ? 'The API 402 fits in it.'
      : ceiling <= budget
        ? `Rendering would have to cost at most ${round3(budget - ceiling)} ms to fit.`
        : 'Even an API 402 whose rendering cost nothing would not fit: what is left over is node:http and the decision path, not rendering.';
  return [
    `**The rate budget, from this run's CPU figures.** Each server saturates one core, so its rate is about 1 ÷ its CPU per request, and 3× x402's rate allows ${round3(budget)} ms per API 402 (x402's ${x} ÷ 3).`,
    `node:http alone spends ${f} ms sending the API 402's bytes (floor). The authorizer's decision path costs ${round3(decision)} ms: the browser row (${b}) over its own floor (${bf}), its rendering being a cached pay link.`,
    `An API 402 whose rendering cost nothing would therefore take ${round3(ceiling)} ms, ${round3(x / ceiling)}× x402; rendering takes the remaining ${round3(rendering)} ms of the API row's ${a}.`,
    verdict,
  ].join(' ');
}

export function markdown(report: Report): string {
  const la = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const cpu = (r: Row) =>
    Object.keys(r.cpuMsPerRequestByProcess).length === 1
      ? String(r.cpuMsPerRequest)
      : `${r.cpuMsPerRequest} (${Object.entries(r.cpuMsPerRequestByProcess)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`;
  const buffer = (r: Row) =>
    r.bufferDuringRun === undefined ? '' : `${r.bufferDuringRun.min} / ${r.bufferDuringRun.median}`;
  const challengeCursor = (cs: Cursor) => cs.find((c) => c.branch === 1)?.nextIndex ?? 'none';
  const nw = report.noWrites;
  const budget = rateBudget(report.rows);
  const tables = Object.keys({
    ...nw.rowCountsBefore,
    ...nw.rowCountsAfter,
    ...report.wholeRun.rowCountsAfter,
  });
  return [
    '# bench/402',
    '',
    `Run ${report.generatedAt}. ${Object.values(report.method).join('. ')}.`,
    '',
    `Load average (1 / 5 / 15 min) at start ${la(report.machine.loadAverage.start)}, at end ${la(report.machine.loadAverage.end)} (${report.machine.cpus} cores, shared with other people's work; the 1-min load before each measured run is in 402.json).`,
    '',
    '| | measured | requests/s | p50 | p99 | rate ÷ x402 | p99 ÷ x402 | CPU ms / request | addresses ready (min / median) | goal | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.id} | ${r.what} | ${r.requestsPerSecond} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.rateRatio}× | ${r.p99Ratio}× | ${cpu(r)} | ${buffer(r)} | ${r.goal} | ${r.met === null ? '' : r.met ? 'yes' : 'no'} |`,
    ),
    '',
    `The portal's lease rate, the ceiling of API 402s once a buffer is empty: ${report.leaseRate.addressesPerSecond} addresses/s (${report.leaseRate.leased} leased in ${report.leaseRate.seconds} s, leases of 4,096; portal CPU ${report.leaseRate.portalCpuMsPerAddress} ms per address), the median of the timed fills of the measured authorizer's buffer between rounds, with nothing else running.`,
    '',
    ...(budget === undefined ? [] : [budget, '']),
    "CPU ms / request: user + system CPU time of each serving process (from /proc) during the measured run, divided by the requests answered; it depends less than the rate on what else runs on the machine. Addresses ready: the authorizer's buffer of leased addresses, sampled every 200 ms during the measured run.",
    '',
    `## ${nw.api402s} API 402s in a row: the portal's row counts`,
    '',
    `${nw.api402s} API 402s in ${nw.elapsedSeconds} s: ${nw.distinctChallenges} distinct challenges, ${nw.distinctAddresses} distinct receive addresses. The challenge index cursor went from ${challengeCursor(nw.challengeCursorBefore)} to ${challengeCursor(nw.challengeCursorAfter)}: the leases' UPDATEs, the only write. "Whole run" adds every measured round.`,
    '',
    '| table | before | after | whole run: before | whole run: after |',
    '|---|---|---|---|---|',
    ...tables.map(
      (t) =>
        `| ${t} | ${nw.rowCountsBefore[t] ?? '—'} | ${nw.rowCountsAfter[t] ?? '—'} | ${report.wholeRun.rowCountsBefore[t] ?? '—'} | ${report.wholeRun.rowCountsAfter[t] ?? '—'} |`,
    ),
    '',
  ].join('\n');
}
