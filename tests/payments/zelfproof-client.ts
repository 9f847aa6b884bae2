/**
 * A plain axios client written the ZelfProof way, as an API user would: call, catch the 402, read
 * `paymentDetails`, send the coins from its own wallet with ethers, retry with `x-payment-chain` +
 * `x-payment-tx` (+ `x-payment-challenge`), keep the `x-402-token` for later calls.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { Contract, type Wallet } from 'ethers';

export interface Offer {
  network: string;
  asset: { kind: 'native' | 'erc20' | 'spl'; symbol: string; address?: string };
  amount: string;
  atomic: string;
  payTo: string;
}

export interface PaymentDetails {
  cost: string;
  token: string;
  acceptedChains: string[];
  serviceWallet: string;
  payTo: Record<string, string>;
  challengeId: string;
  offers: Offer[];
}

export interface Refusal {
  status: number;
  reason: string;
  retryAfter: string | undefined;
  details: PaymentDetails;
}

const ERC20 = ['function transfer(address to, uint256 value) returns (bool)'];

export function zelfProofClient(baseUrl: string): AxiosInstance {
  // Any status is an answer here: the caller looks at 402s itself.
  return axios.create({
    baseURL: baseUrl,
    headers: { accept: 'application/json' },
    validateStatus: () => true,
    timeout: 30_000,
  });
}

/** Asks for `path`; expects a 402 and returns what it says. */
export async function challenge(client: AxiosInstance, path: string): Promise<Refusal> {
  return refusalOf(await client.get(path));
}

export function refusalOf(res: AxiosResponse): Refusal {
  if (res.status !== 402) throw new Error(`expected 402, got ${res.status}: ${JSON.stringify(res.data)}`);
  const body = res.data as { reason: string; paymentDetails: PaymentDetails };
  const retryAfter = res.headers['retry-after'] as string | undefined;
  return { status: res.status, reason: body.reason, retryAfter, details: body.paymentDetails };
}

/** The offer in `symbol` (the native coin or a token) on `network`. */
export function offerFor(details: PaymentDetails, network: string, symbol: string): Offer {
  const offer = details.offers.find((o) => o.network === network && o.asset.symbol === symbol);
  if (offer === undefined) throw new Error(`no ${symbol} offer on ${network}`);
  return offer;
}

/** Sends what `offer` asks from `wallet` (native value or an ERC-20 transfer); resolves with the mined hash. */
export async function pay(wallet: Wallet, offer: Offer, atomic = BigInt(offer.atomic)): Promise<string> {
  if (offer.asset.kind === 'native') {
    const sent = await wallet.sendTransaction({ to: offer.payTo, value: atomic });
    await mined(wallet, sent.hash);
    return sent.hash;
  }
  return sendToken(wallet, offer.asset.address!, offer.payTo, atomic);
}

export async function sendToken(
  wallet: Wallet,
  token: string,
  to: string,
  atomic: bigint,
  overrides: { gasLimit?: bigint } = {},
): Promise<string> {
  const erc20 = new Contract(token, ERC20, wallet);
  const sent = (await erc20.getFunction('transfer')(to, atomic, overrides)) as { hash: string };
  await mined(wallet, sent.hash); // a reverted transfer is mined too
  return sent.hash;
}

// Polls for the receipt: ethers' wait() listens for a *new* block, which an automining anvil
// only makes on the next transaction.
async function mined(wallet: Wallet, hash: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await wallet.provider!.getTransactionReceipt(hash)) === null) {
    if (Date.now() > deadline) throw new Error(`${hash} not mined within 15 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The retry with the proof headers. */
export function retryWithProof(
  client: AxiosInstance,
  path: string,
  proof: { chain: string; tx: string; challenge?: string },
): Promise<AxiosResponse> {
  return client.get(path, {
    headers: {
      'x-payment-chain': proof.chain,
      'x-payment-tx': proof.tx,
      ...(proof.challenge === undefined ? {} : { 'x-payment-challenge': proof.challenge }),
    },
  });
}

/**
 * What a patient client does after `payment_pending`: wait Retry-After (plus a little, so the
 * authorizer's memo of the refusal has lapsed) and present the same proof again, a few times.
 */
export async function retryWhilePending(
  client: AxiosInstance,
  path: string,
  proof: { chain: string; tx: string; challenge?: string },
  retryAfterSeconds: number,
  attempts = 5,
): Promise<AxiosResponse> {
  let wait = retryAfterSeconds;
  for (let i = 1; ; i++) {
    await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    const res = await retryWithProof(client, path, proof);
    const pending = res.status === 402 && (res.data as { reason?: string }).reason === 'payment_pending';
    if (!pending || i >= attempts) return res;
    wait = Number(res.headers['retry-after'] ?? 1);
  }
}
