/**
 * What the storm saw, counted: payer outcomes, every answer by status and reason, the answers a
 * valid payer must never get, and a few payers' answer sequences per failure kind as examples.
 */
import type { Outcome, PayerResult, SeenAnswer } from './storm-payer.js';

export interface StormSummary {
  payers: number;
  paid: number;
  outcomes: Partial<Record<Outcome, number>>;
  /** `<status> <reason>` (`(bare)` when no x-402-reason header) → count, redirects marked `followed`. */
  answers: Record<string, number>;
  firstProofPending: number;
  redirectsFollowed: number;
  redirectsCarryingToken: number;
  /** Payers that ended with payment_already_redeemed after following a redirect / without one. */
  alreadyRedeemed: { afterRedirect: number; withoutRedirect: number };
  /** Answers a valid payer must not get (5xx; 403 without x-402-reason), excusing 503 + reason + Retry-After when that payer then got in. */
  forbiddenAnswers: SeenAnswer[];
  /** The first redirect a client followed, headers and all. */
  redirectExample: SeenAnswer | undefined;
  /** One forbidden answer per kind (`answerKey`), headers and all. */
  forbiddenExamples: Record<string, SeenAnswer>;
  /** 503 with a reason and Retry-After after which the payer did get in. */
  excused503: number;
  /** Of those, how many came before the kill (load, not the kill). */
  excused503BeforeKill: number;
  /** When the first and the last of them came (ms since the storm started). */
  excused503Span: [number, number] | undefined;
  /** Per non-granted outcome, up to three payers' answer sequences. */
  examples: Record<string, string[]>;
}

const EXAMPLES_PER_KIND = 3;

export function answerKey(a: SeenAnswer): string {
  const reason = a.reason === undefined ? '-' : a.reason;
  const bare = a.status === 403 && !a.reasonHeader ? ' (bare)' : '';
  return `${a.phase} ${a.status} ${reason}${bare}${a.followed ? ' followed' : ''}`;
}

/** True for an answer a valid payer must never get. */
export function isForbiddenAnswer(a: SeenAnswer): boolean {
  return a.status >= 500 || (a.status === 403 && !a.reasonHeader);
}

/** One payer's answers on one line: `challenge 402 token_missing → proof 402 payment_pending RA=1 → …`. */
export function sequenceOf(r: PayerResult): string {
  const steps = r.answers.map(
    (a) =>
      `${a.phase} ${a.status}${a.followed ? '↪' : ''} ${a.reason ?? '-'}` +
      `${a.retryAfter === undefined ? '' : ` RA=${a.retryAfter}`}${a.token ? ' +token' : ''}` +
      `${a.location === undefined ? '' : ` loc=${a.location}`} @${a.at}ms`,
  );
  const paid = r.paidAt === undefined ? '' : ` paid @${r.paidAt}ms`;
  return `#${r.index} ${r.symbol} ${r.outcome} (${r.detail})${paid}: ${steps.join(' → ')}`;
}

/** `killedAtMs`: when the replicas were killed (ms since the storm started). */
export function summarise(results: readonly PayerResult[], killedAtMs: number): StormSummary {
  const outcomes: Partial<Record<Outcome, number>> = {};
  const answers: Record<string, number> = {};
  const forbiddenAnswers: SeenAnswer[] = [];
  const forbiddenExamples: Record<string, SeenAnswer> = {};
  const examples: Record<string, string[]> = {};
  let firstProofPending = 0;
  let redirectsFollowed = 0;
  let redirectsCarryingToken = 0;
  let excused503 = 0;
  let excused503BeforeKill = 0;
  let excused503Span: [number, number] | undefined;
  let redirectExample: SeenAnswer | undefined;
  for (const r of results) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const firstProof = r.answers.find((a) => a.phase === 'proof' && !a.followed);
    if (firstProof?.status === 402 && firstProof.reason === 'payment_pending') firstProofPending++;
    for (const a of r.answers) {
      const key = answerKey(a);
      answers[key] = (answers[key] ?? 0) + 1;
      if (a.followed) {
        redirectsFollowed++;
        redirectExample ??= a;
        if (a.token) redirectsCarryingToken++;
      }
      if (!isForbiddenAnswer(a)) continue;
      const excused =
        a.status === 503 && a.reasonHeader && a.retryAfter !== undefined && r.outcome === 'granted';
      if (excused) {
        excused503++;
        if (a.at < killedAtMs) excused503BeforeKill++;
        excused503Span = [
          Math.min(excused503Span?.[0] ?? a.at, a.at),
          Math.max(excused503Span?.[1] ?? a.at, a.at),
        ];
      } else {
        forbiddenAnswers.push(a);
        forbiddenExamples[key] ??= a;
      }
    }
    if (r.outcome !== 'granted') {
      const list = (examples[r.outcome] ??= []);
      if (list.length < EXAMPLES_PER_KIND) list.push(sequenceOf(r));
    }
  }
  const stuck = results.filter((r) => r.outcome === 'already_redeemed');
  const afterRedirect = stuck.filter((r) => r.answers.some((a) => a.followed)).length;
  return {
    payers: results.length,
    alreadyRedeemed: { afterRedirect, withoutRedirect: stuck.length - afterRedirect },
    paid: results.filter((r) => r.tx !== undefined).length,
    outcomes,
    answers,
    firstProofPending,
    redirectsFollowed,
    redirectsCarryingToken,
    forbiddenAnswers,
    forbiddenExamples,
    redirectExample,
    excused503,
    excused503BeforeKill,
    excused503Span,
    examples,
  };
}

/** The summary as the lines the test prints. */
export function formatSummary(s: StormSummary, extra: Record<string, unknown> = {}): string {
  const lines = [
    `payers ${s.payers}, paid ${s.paid}, outcomes ${JSON.stringify(s.outcomes)}`,
    `first proof answered payment_pending: ${s.firstProofPending}; redirects followed: ${s.redirectsFollowed} (carrying x-402-token: ${s.redirectsCarryingToken})`,
    `ended with payment_already_redeemed: ${s.alreadyRedeemed.afterRedirect} after following a redirect, ${s.alreadyRedeemed.withoutRedirect} without one`,
    `forbidden answers (5xx, bare 403): ${s.forbiddenAnswers.length}; 503 + reason + Retry-After then granted: ${s.excused503} (${s.excused503BeforeKill} of them before the kill${s.excused503Span === undefined ? '' : `; at +${s.excused503Span[0]}..+${s.excused503Span[1]} ms`})`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
    'answers:',
    ...Object.entries(s.answers)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    ...(s.redirectExample === undefined
      ? []
      : [
          `followed redirect (payer #${s.redirectExample.payer} @${s.redirectExample.at}ms) headers: ${JSON.stringify(s.redirectExample.headers)}`,
        ]),
    ...Object.entries(s.forbiddenExamples).map(
      ([k, a]) =>
        `forbidden answer "${k}" (payer #${a.payer} @${a.at}ms) headers: ${JSON.stringify(a.headers)}${a.bodyStart === undefined ? '' : ` body: ${JSON.stringify(a.bodyStart)}`}`,
    ),
    ...Object.entries(s.examples).flatMap(([kind, list]) => [
      `examples of ${kind}:`,
      ...list.map((l) => `  ${l}`),
    ]),
  ];
  return lines.join('\n');
}
