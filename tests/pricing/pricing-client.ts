/**
 * What the pricing suites do as a client: plain node:http requests (from a chosen loopback address,
 * so each is its own payer), and one payment the ZelfProof way (402 → USDC transfer → proof retry).
 */
import { Agent, request } from 'node:http';
import { PAY_NETWORK, type DevAccount, type PaymentStack } from '../support/payments.js';
import {
  challenge,
  offerFor,
  pay,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
  type PaymentDetails,
} from '../payments/zelfproof-client.js';

export interface Answer {
  status: number;
  reason: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 128 });

/** GET `path` through the gateway; `from` is the client's own address (127.0.0.x). */
export function get(
  baseUrl: string,
  path: string,
  opts: { headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'GET',
        headers: { accept: 'application/json', ...opts.headers },
        ...(opts.from === undefined ? { agent } : { localAddress: opts.from, agent: false }),
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = {};
          }
          const reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;
          resolve({ status: res.statusCode ?? 0, reason, headers: res.headers, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The `jti` of a token (its balance's key). */
export function jtiOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    jti: string;
  };
  return payload.jti;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

export interface Paid {
  token: string;
  proof: { chain: string; tx: string; challenge: string };
  /** The answer to the request that presented the proof. */
  status: number;
  /** Its refusal reason, when it was refused. */
  reason: string | undefined;
  details: PaymentDetails;
}

/** Pays `path`'s 402 in USDC and presents the proof (with `headers`, e.g. an old token). */
export async function payFor(
  stack: PaymentStack,
  baseUrl: string,
  path: string,
  payer: DevAccount,
  headers: Record<string, string> = {},
): Promise<Paid> {
  const client = zelfProofClient(baseUrl);
  const details = (await challenge(client, path)).details;
  const tx = await pay(payer.wallet, offerFor(details, PAY_NETWORK, 'USDC'));
  await stack.mine(1);
  const proof = { chain: PAY_NETWORK, tx, challenge: details.challengeId };
  let res = await client.get(path, {
    headers: {
      'x-payment-chain': proof.chain,
      'x-payment-tx': tx,
      'x-payment-challenge': proof.challenge,
      ...headers,
    },
  });
  if (res.status === 402 && (res.data as { reason?: string }).reason === 'payment_pending')
    res = await retryWhilePending(client, path, proof, Number(res.headers['retry-after'] ?? 1));
  const reason = (res.data as { reason?: string }).reason;
  return { token: res.headers['x-402-token'] as string, proof, status: res.status, reason, details };
}

/** Re-presents a proof without a token (a replay). */
export async function replay(baseUrl: string, path: string, proof: Paid['proof']): Promise<Answer> {
  const res = await retryWithProof(zelfProofClient(baseUrl), path, proof);
  const body = res.data as Record<string, unknown>;
  return {
    status: res.status,
    reason: typeof body['reason'] === 'string' ? body['reason'] : undefined,
    headers: res.headers as Answer['headers'],
    body,
  };
}

/** Runs `n` requests at once and counts the answers by status. */
export async function burst(n: number, one: () => Promise<Answer>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: n }, one));
}

export function countStatus(answers: readonly Answer[], status: number): number {
  return answers.filter((a) => a.status === status).length;
}
