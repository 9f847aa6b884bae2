/**
 * The soak's traffic through the dev stack's gateway: a paced mix of plain requests (free page,
 * 402s as JSON and as the HTML page, the priced API, token and cookie reuse) and, each in its own
 * loop, paid flows with real payments on the local chain: a native ETH payment proven by its
 * transaction, Circle's USDC paid from the pay page's dev account (credited by the watcher), and
 * an unmodified x402 client paying USDC through the relayer.
 */
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { Wallet } from 'ethers';
import { privateKeyToAccount } from 'viem/accounts';
import { devKey, devProvider } from '../../deploy/dev/index.js';
import { countFlow, countStatus, countingFetch, note, type Tally } from './tally.js';

export interface LoadOptions {
  /** http://127.0.0.1:<gateway port> */
  base: string;
  rpcUrl: string;
  /** Plain requests per second (paced). */
  rate: number;
  /** Seconds between the starts of two paid flows of each kind. */
  payEverySeconds: number;
  tally: Tally;
  /** Stops every loop when aborted. */
  signal: AbortSignal;
}

const TIMEOUT_MS = 15_000;
const TOKEN_POOL = 32;
/** Waits `ms`, or less if `signal` aborts first (the abort listener is removed either way). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

interface Offer {
  network: string;
  asset: { kind: string };
  atomic: string;
  payTo: string;
}

/** Credentials paid for during the run, reused by the plain requests (newest kept). */
class CredentialPool {
  private readonly items: Array<{ headers: Record<string, string> }> = [];
  add(headers: Record<string, string>): void {
    this.items.push({ headers });
    if (this.items.length > TOKEN_POOL) this.items.shift();
  }
  pick(): Record<string, string> | undefined {
    return this.items[Math.floor(Math.random() * this.items.length)]?.headers;
  }
}

async function request(
  opts: LoadOptions,
  kind: string,
  path: string,
  headers: Record<string, string>,
  expected: number[],
): Promise<void> {
  try {
    const res = await fetch(`${opts.base}${path}`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer();
    countStatus(opts.tally, kind, res.status, expected);
  } catch (err) {
    countStatus(opts.tally, kind, 'error');
    note(opts.tally, `${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One plain request, drawn from the mix (weights in parts of 100). */
async function plainRequest(opts: LoadOptions, pool: CredentialPool): Promise<void> {
  const draw = Math.random() * 100;
  const credential = pool.pick();
  if (draw < 50 && credential) return request(opts, 'reuse', '/premium', credential, [200]);
  if (draw < 65) return request(opts, '402 json', '/premium', { accept: 'application/json' }, [402]);
  if (draw < 75) return request(opts, '402 html', '/premium', { accept: 'text/html' }, [402]);
  if (draw < 85) return request(opts, '402 api', '/api/quote', { accept: 'application/json' }, [402]);
  return request(opts, 'free', '/', {}, [200]);
}

/** Paced plain requests: `workers` loops, each sending one request every workers/rate seconds. */
async function plainLoop(opts: LoadOptions, pool: CredentialPool): Promise<void> {
  const workers = Math.max(1, Math.min(16, Math.ceil(opts.rate / 10)));
  const gapMs = (1000 * workers) / opts.rate;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      await sleep((gapMs * w) / workers, opts.signal);
      let next = performance.now();
      while (!opts.signal.aborted) {
        await plainRequest(opts, pool);
        next += gapMs;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait, opts.signal);
        else next = performance.now(); // behind: do not burst to catch up
      }
    }),
  );
}

/** Runs `flow` every `everyMs` (start to start) until aborted, counting each outcome. */
async function every(
  opts: LoadOptions,
  name: string,
  everyMs: number,
  flow: () => Promise<void>,
): Promise<void> {
  while (!opts.signal.aborted) {
    const started = performance.now();
    try {
      await flow();
      countFlow(opts.tally, name, true, performance.now() - started);
    } catch (err) {
      if (opts.signal.aborted) return;
      countFlow(
        opts.tally,
        name,
        false,
        performance.now() - started,
        err instanceof Error ? err.message : String(err),
      );
    }
    await sleep(Math.max(0, everyMs - (performance.now() - started)), opts.signal);
  }
}

/** 402 → native ETH from dev account #2 → the proof headers until 200 → the token into the pool. */
async function txProofFlow(opts: LoadOptions, pool: CredentialPool, payer: Wallet): Promise<void> {
  const f = countingFetch(opts.tally, 'tx proof flow', TIMEOUT_MS);
  const challenge = await f(`${opts.base}/premium`, { headers: { accept: 'application/json' } });
  if (challenge.status !== 402) throw new Error(`402 expected, got ${challenge.status}`);
  const body = (await challenge.json()) as { paymentDetails: { challengeId: string; offers: Offer[] } };
  const eth = body.paymentDetails.offers.find((o) => o.asset.kind === 'native');
  if (!eth) throw new Error('no native offer');
  const tx = await payer.sendTransaction({ to: eth.payTo, value: BigInt(eth.atomic) });
  await tx.wait(1, TIMEOUT_MS);
  const proof = {
    accept: 'application/json',
    'x-payment-chain': eth.network,
    'x-payment-tx': tx.hash,
    'x-payment-challenge': body.paymentDetails.challengeId,
  };
  for (let i = 0; i < 30; i++) {
    const res = await f(`${opts.base}/premium`, { headers: proof });
    await res.arrayBuffer();
    if (res.status === 200) {
      const token = res.headers.get('x-402-token');
      if (!token) throw new Error('200 without x-402-token');
      pool.add({ authorization: `Bearer ${token}` });
      return;
    }
    if (res.status !== 402) throw new Error(`proof answered ${res.status}`);
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await sleep((Math.min(wait, 5) + 0.25) * 1000, opts.signal);
  }
  throw new Error('proof not accepted after 30 tries');
}

/** 402 page → pay page → dev-pay in USDC (the watcher credits it) → complete → the cookie into the pool. */
async function payPageFlow(opts: LoadOptions, pool: CredentialPool): Promise<void> {
  const f = countingFetch(opts.tally, 'pay page flow', TIMEOUT_MS);
  const page = await f(`${opts.base}/premium`, { headers: { accept: 'text/html' } });
  const link = /href="(\/_402\/pay\?ref=[^"]+)"/.exec(await page.text())?.[1];
  if (page.status !== 402 || !link) throw new Error(`402 page with a pay link expected, got ${page.status}`);
  const toInvoice = await f(`${opts.base}${link.replace(/&amp;/g, '&')}`, { redirect: 'manual' });
  await toInvoice.arrayBuffer();
  const invoicePath = toInvoice.headers.get('location');
  const session = toInvoice.headers.getSetCookie()[0]?.split(';', 1)[0];
  if (toInvoice.status !== 303 || !invoicePath || !session)
    throw new Error(`pay link answered ${toInvoice.status}`);
  const paid = await f(`${opts.base}${invoicePath}/dev-pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ network: 'anvil', asset: 'USDC' }),
  });
  await paid.arrayBuffer();
  if (paid.status !== 202) throw new Error(`dev-pay answered ${paid.status}`);
  let status = '';
  for (let i = 0; i < 60 && status !== 'paid'; i++) {
    await sleep(500, opts.signal);
    const state = await f(`${opts.base}${invoicePath}`, { headers: { accept: 'application/json' } });
    status = ((await state.json()) as { invoice: { status: string } }).invoice.status;
  }
  if (status !== 'paid') throw new Error(`invoice ${status} after 30 s`);
  const complete = await f(`${opts.base}${invoicePath}/complete`, {
    redirect: 'manual',
    headers: { cookie: session },
  });
  await complete.arrayBuffer();
  if (complete.status !== 303) throw new Error(`complete answered ${complete.status}`);
  const cookie = complete.headers
    .getSetCookie()
    .map((c) => c.split(';', 1)[0])
    .join('; ');
  pool.add({ cookie });
}

/** An unmodified x402 client (@x402/fetch) paying /api/quote in USDC through the dev relayer. */
async function x402Flow(opts: LoadOptions, pay: typeof fetch): Promise<void> {
  const res = await pay(`${opts.base}/api/quote`, { headers: { accept: 'application/json' } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`x402 client got ${res.status} (${refusalOf(res, body)})`);
}

/** Why a 402 refused: the JSON body's `reason`, else the x402 `PAYMENT-REQUIRED` header's `error`. */
function refusalOf(res: Response, body: string): string {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON: try the header
  }
  const header = res.headers.get('payment-required');
  if (header === null) return 'no reason given';
  try {
    const error = (JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { error?: unknown }).error;
    return typeof error === 'string' ? error : 'no reason given';
  } catch {
    return 'unreadable PAYMENT-REQUIRED';
  }
}

/** Runs the whole mix until `opts.signal` aborts. */
export async function runLoad(opts: LoadOptions): Promise<void> {
  const pool = new CredentialPool();
  const provider = devProvider(opts.rpcUrl);
  const payer = new Wallet(devKey(2).privateKey, provider);
  const client = new x402Client().setSpendControls(false);
  registerExactEvmScheme(client, { signer: privateKeyToAccount(devKey(3).privateKey as `0x${string}`) });
  const x402Fetch = wrapFetchWithPayment(countingFetch(opts.tally, 'x402 flow', TIMEOUT_MS), client);
  const everyMs = opts.payEverySeconds * 1000;
  try {
    await Promise.all([
      plainLoop(opts, pool),
      every(opts, 'tx proof flow', everyMs, () => txProofFlow(opts, pool, payer)),
      every(opts, 'pay page flow', everyMs, () => payPageFlow(opts, pool)),
      every(opts, 'x402 flow', everyMs, () => x402Flow(opts, x402Fetch)),
    ]);
  } finally {
    provider.destroy();
  }
}
