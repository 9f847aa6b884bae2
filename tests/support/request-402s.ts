/**
 * Sends `count` requests to one loopback URL, `concurrency` at a time over keep-alive connections,
 * and checks every answer is a 402 of the expected kind: an API 402 must carry a sealed challenge
 * (`paymentDetails.challengeId`) and its own receive address (`paymentDetails.serviceWallet`), a
 * browser 402 a sealed pay link in `Location`. Returns how many distinct challenges and addresses
 * it saw, so the caller can check that no address was handed out twice. Used by
 * tests/payments/no-writes.test.ts and bench/402.
 */
import { Agent, request } from 'node:http';

export interface Request402sResult {
  count: number;
  elapsedSeconds: number;
  /** Distinct `challengeId`s (API only; a pay link is the same for a resource within a millisecond). */
  distinctChallenges: number;
  /** Distinct receive addresses (API only). */
  distinctAddresses: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, headers: Record<string, string>, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function request402s(opts: {
  url: string;
  headers: Record<string, string>;
  kind: 'api' | 'browser';
  count: number;
  concurrency: number;
}): Promise<Request402sResult> {
  const host = new URL(opts.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost')
    throw new Error(`request402s: loopback only, not ${host}`);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const challenges = new Set<string>();
  const addresses = new Set<string>();
  let sent = 0;
  const check = (a: Answer): void => {
    if (a.status !== 402) throw new Error(`expected a 402, got ${a.status}: ${a.body.slice(0, 300)}`);
    if (opts.kind === 'browser') {
      const location = a.headers.location;
      if (typeof location !== 'string' || !location.includes('/pay?ref='))
        throw new Error(`a browser 402 without a pay link: ${String(location)}`);
      return;
    }
    const details = (
      JSON.parse(a.body) as { paymentDetails?: { challengeId?: unknown; serviceWallet?: unknown } }
    ).paymentDetails;
    if (typeof details?.challengeId !== 'string' || typeof details.serviceWallet !== 'string')
      throw new Error(`an API 402 without a challenge and its address: ${a.body.slice(0, 300)}`);
    challenges.add(details.challengeId);
    addresses.add(details.serviceWallet.toLowerCase());
  };
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (sent < opts.count) {
      sent++;
      check(await get(opts.url, opts.headers, agent));
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return {
    count: opts.count,
    elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    distinctChallenges: challenges.size,
    distinctAddresses: addresses.size,
  };
}
