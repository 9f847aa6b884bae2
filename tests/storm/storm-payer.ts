/**
 * One payer of the storm: the documented ZelfProof client (docs/payments-from-programs.md, "A
 * ZelfProof-style client") with its own wallet, and nothing Turnpike-specific beyond what the docs
 * tell a client to do: GET with `Accept: application/json` → 402 → pay one offer of
 * `paymentDetails` → retry with `x-payment-chain`, `x-payment-tx`, `x-payment-challenge`; on
 * `payment_pending` retry the same proof after `Retry-After`; any other answer is final. Redirects
 * are followed as axios follows them by default (the documented client does not change that).
 * Like any HTTP client, it also waits out a 503/429 that carries `Retry-After` (RFC 9110), and
 * the docs' `chain_unavailable` ("retry after Retry-After"). Then it reuses `x-402-token` once.
 *
 * Every answer it sees, redirects included, is recorded with the headers that matter.
 */
import axios, { type AxiosResponse } from 'axios';
import { Contract, type Wallet } from 'ethers';

const ERC20 = ['function transfer(address to, uint256 value) returns (bool)'];
/**
 * The documented client awaits `sent.wait()`, which polls (ethers: every 4 s by default); polling
 * each second from the moment of sending keeps it brisk and, as for real clients, out of step
 * with the blocks: a payer learns of its receipt anywhere within a block interval, so its first
 * proof may meet the next block half-way through NGINX's two calls to the authorizers.
 */
const RECEIPT_POLL_MS = 1_000;
const RECEIPT_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Reasons the docs say to retry unchanged after Retry-After. */
const RETRY_SAME_PROOF = new Set(['payment_pending', 'chain_unavailable']);

export type Phase = 'challenge' | 'proof' | 'bearer';

export interface SeenAnswer {
  payer: number;
  phase: Phase;
  /** Milliseconds since the storm started. */
  at: number;
  status: number;
  /** `x-402-reason`, else the JSON body's `reason`. */
  reason: string | undefined;
  /** Whether the `x-402-reason` header itself was there (a bare NGINX 403 has none). */
  reasonHeader: boolean;
  retryAfter: string | undefined;
  location: string | undefined;
  token: boolean;
  /** This answer was a redirect the client followed (not returned to the caller). */
  followed: boolean;
  /** All its headers; token and cookie values replaced by `<n chars>`. */
  headers: Record<string, string>;
  /** The start of a body that is not the usual JSON, for the report. */
  bodyStart?: string;
}

export type Outcome =
  | 'granted'
  | 'challenge_failed'
  | 'pay_failed'
  | 'refused'
  | 'already_redeemed'
  | 'bare_403'
  | 'server_error'
  | 'network_error'
  | 'gave_up';

export interface PayerResult {
  index: number;
  path: string;
  symbol: 'ETH' | 'USDC';
  /** The payment transaction, once it was mined. */
  tx?: string;
  /** When its receipt was seen (ms since the storm started). */
  paidAt?: number;
  outcome: Outcome;
  /** The last answer's status and reason (or the error), for the report. */
  detail: string;
  /** The 200 of the paid request: its body as the upstream sent it. */
  grantedBody?: unknown;
  /** The token reuse: status of `Authorization: Bearer <x-402-token>`. */
  bearerStatus?: number;
  answers: SeenAnswer[];
}

interface Offer {
  network: string;
  asset: { kind: string; symbol: string; address?: string };
  atomic: string;
  payTo: string;
}
interface PaymentDetails {
  challengeId: string;
  offers: Offer[];
}

export interface PayerOptions {
  index: number;
  baseUrl: string;
  path: string;
  wallet: Wallet;
  symbol: 'ETH' | 'USDC';
  network: string;
  startedAt: number;
  /** The payer stops retrying after this (epoch ms). */
  deadline: number;
}

function header(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const v = res.headers[name];
  return v === undefined || v === null ? undefined : String(v);
}

const SECRET_HEADERS = new Set(['x-402-token', 'set-cookie']);

function headerSnapshot(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || v === null) continue;
    const text = Array.isArray(v) ? v.join(', ') : String(v);
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? `<${text.length} chars>` : text;
  }
  return out;
}

function bodyReason(data: unknown): string | undefined {
  return typeof data === 'object' &&
    data !== null &&
    typeof (data as { reason?: unknown }).reason === 'string'
    ? (data as { reason: string }).reason
    : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitMined(wallet: Wallet, hash: string): Promise<number> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  for (;;) {
    const receipt = await wallet.provider!.getTransactionReceipt(hash);
    if (receipt !== null) return receipt.status ?? 0;
    if (Date.now() > deadline) throw new Error(`${hash} not mined within ${RECEIPT_TIMEOUT_MS} ms`);
    await sleep(RECEIPT_POLL_MS);
  }
}

async function pay(wallet: Wallet, offer: Offer): Promise<string> {
  const sent =
    offer.asset.kind === 'native'
      ? await wallet.sendTransaction({ to: offer.payTo, value: BigInt(offer.atomic) })
      : ((await new Contract(offer.asset.address!, ERC20, wallet).getFunction('transfer')(
          offer.payTo,
          BigInt(offer.atomic),
        )) as { hash: string });
  const status = await waitMined(wallet, sent.hash);
  if (status !== 1) throw new Error(`payment ${sent.hash} reverted`);
  return sent.hash;
}

/** Runs one payer to its end; never throws (every failure is an outcome). */
export async function runPayer(o: PayerOptions): Promise<PayerResult> {
  const result: PayerResult = {
    index: o.index,
    path: o.path,
    symbol: o.symbol,
    outcome: 'gave_up',
    detail: '',
    answers: [],
  };
  const record = (
    phase: Phase,
    res: { status: number; headers: Record<string, unknown>; data?: unknown },
    followed: boolean,
  ): SeenAnswer => {
    const reasonHeader = header(res, 'x-402-reason');
    const data = res.data;
    const seen: SeenAnswer = {
      payer: o.index,
      phase,
      at: Date.now() - o.startedAt,
      status: res.status,
      reason: reasonHeader ?? bodyReason(data),
      reasonHeader: reasonHeader !== undefined,
      retryAfter: header(res, 'retry-after'),
      location: header(res, 'location'),
      token: header(res, 'x-402-token') !== undefined,
      followed,
      headers: headerSnapshot(res.headers),
    };
    if (typeof data === 'string' && data.length > 0) seen.bodyStart = data.slice(0, 120);
    result.answers.push(seen);
    return seen;
  };
  const api = axios.create({
    baseURL: o.baseUrl,
    validateStatus: () => true,
    timeout: REQUEST_TIMEOUT_MS,
  });
  const get = async (phase: Phase, headers: Record<string, string>): Promise<AxiosResponse> => {
    const res = await api.get(o.path, {
      headers,
      // Observes (never changes) each redirect axios follows.
      beforeRedirect: (
        _options: unknown,
        response: { statusCode: number; headers: Record<string, unknown> },
      ) => {
        record(phase, { status: response.statusCode, headers: response.headers }, true);
      },
    } as Parameters<typeof api.get>[1]);
    record(phase, res, false);
    return res;
  };
  /** A Retry-After the client honours, in ms; undefined when this answer is final. */
  const retryDelay = (res: AxiosResponse, phase: Phase): number | undefined => {
    const ra = header(res, 'retry-after');
    if (phase !== 'challenge' && res.status === 402 && RETRY_SAME_PROOF.has(bodyReason(res.data) ?? ''))
      return Number(ra ?? 2) * 1000;
    if ((res.status === 503 || res.status === 429) && ra !== undefined && Number.isFinite(Number(ra)))
      return Number(ra) * 1000;
    return undefined;
  };
  const finish = (outcome: Outcome, detail: string): PayerResult => {
    result.outcome = outcome;
    result.detail = detail;
    return result;
  };
  /** The outcome of a final answer that is not a 200. */
  const final = (res: AxiosResponse, prefix = ''): PayerResult => {
    const headerReason = header(res, 'x-402-reason');
    const reason = headerReason ?? bodyReason(res.data);
    const detail = `${prefix}${res.status} ${reason ?? '(no reason)'}`;
    if (res.status === 403 && headerReason === undefined) return finish('bare_403', detail);
    if (res.status >= 500) return finish('server_error', detail);
    if (reason === 'payment_already_redeemed') return finish('already_redeemed', detail);
    return finish(prefix === '' ? 'refused' : 'challenge_failed', detail);
  };

  try {
    const accept = { accept: 'application/json' };
    let first = await get('challenge', accept);
    for (
      let wait = retryDelay(first, 'challenge');
      wait !== undefined && Date.now() + wait < o.deadline;
      wait = retryDelay(first, 'challenge')
    ) {
      await sleep(wait);
      first = await get('challenge', accept);
    }
    const details = (first.data as { paymentDetails?: PaymentDetails } | undefined)?.paymentDetails;
    if (first.status !== 402 || details === undefined) return final(first, 'challenge: ');
    const offer = details.offers.find((x) => x.network === o.network && x.asset.symbol === o.symbol);
    if (offer === undefined) return finish('challenge_failed', `no ${o.symbol} offer`);
    try {
      result.tx = await pay(o.wallet, offer);
      result.paidAt = Date.now() - o.startedAt;
    } catch (err) {
      return finish('pay_failed', (err as Error).message.slice(0, 200));
    }

    const proof = {
      ...accept,
      'x-payment-chain': offer.network,
      'x-payment-tx': result.tx,
      'x-payment-challenge': details.challengeId,
    };
    let res = await get('proof', proof);
    for (;;) {
      if (res.status === 200) break;
      const wait = retryDelay(res, 'proof');
      if (wait === undefined) return final(res);
      if (Date.now() + wait > o.deadline)
        return finish('gave_up', `deadline after ${res.status} ${bodyReason(res.data) ?? ''}`);
      await sleep(wait);
      res = await get('proof', proof);
    }
    result.grantedBody = res.data;
    finish('granted', '200');
    const token = header(res, 'x-402-token');
    if (token !== undefined) {
      const again = await get('bearer', { ...accept, authorization: `Bearer ${token}` });
      result.bearerStatus = again.status;
    }
    return result;
  } catch (err) {
    const e = err as { code?: string; message: string };
    return finish(
      result.outcome === 'granted' ? 'granted' : 'network_error',
      `${e.code ?? ''} ${e.message}`.trim().slice(0, 200),
    );
  }
}
