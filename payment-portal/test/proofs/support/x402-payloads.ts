/** Builds x402 `exact` EVM payloads signed with ethers the way x402 clients sign them (EIP-3009). */
import { randomBytes } from 'node:crypto';
import { getAddress, type Wallet } from 'ethers';
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from '../../../src/proofs/index.js';
import type { EvmStand } from './evm-proof-fixture.js';

/** An EIP-3009 token's EIP-712 domain as a client signs it (the token contract and its name). */
export interface SigningToken {
  address: string;
  /** The domain name; "USD Coin" (what the harness's FiatTokenV2_2 instances are named) unless given. */
  name?: string;
}

export interface AuthorizationOverrides {
  from?: string;
  to?: string;
  value?: bigint;
  validAfter?: number;
  validBefore?: number;
  nonce?: string;
  /** Signs with this wallet instead of the payer. */
  signer?: Wallet;
  /** Signs for this token's domain instead of anvil's USDC. */
  token?: SigningToken;
}

export interface ExactPayload {
  signature: string;
  authorization: {
    from: string;
    to: string;
    value: string;
    validAfter: string;
    validBefore: string;
    nonce: string;
  };
}

/** A TransferWithAuthorization of `value` (anvil's USDC unless `o.token`) from the payer to `payTo`. */
export async function signAuthorization(
  stand: EvmStand,
  payTo: string,
  value: bigint,
  o: AuthorizationOverrides = {},
): Promise<ExactPayload> {
  const now = Math.floor(Date.now() / 1000);
  const signer = o.signer ?? stand.payer;
  const authorization = {
    from: getAddress(o.from ?? stand.payer.address),
    to: getAddress(o.to ?? payTo),
    value: (o.value ?? value).toString(),
    validAfter: String(o.validAfter ?? now - 600),
    validBefore: String(o.validBefore ?? now + 300),
    nonce: o.nonce ?? `0x${randomBytes(32).toString('hex')}`,
  };
  const signature = await signer.signTypedData(
    {
      name: o.token?.name ?? 'USD Coin',
      version: '2',
      chainId: stand.network.chainId,
      verifyingContract: o.token?.address ?? stand.usdc.address,
    },
    TRANSFER_WITH_AUTHORIZATION_TYPES,
    authorization,
  );
  return { signature, authorization };
}

/** A fresh requester's secret, as the authorizer's 402 puts in every requirement's `extra.challenge`. */
export function x402Secret(): string {
  return randomBytes(16).toString('base64url');
}

/** The v2 requirement the authorizer's 402 lists for anvil's USDC (or `asset`), with the requester's secret. */
export function v2Requirement(
  stand: EvmStand,
  payTo: string,
  amount: bigint,
  asset = stand.usdc.address,
  secret = x402Secret(),
) {
  return {
    scheme: 'exact',
    network: stand.network.caip2,
    amount: amount.toString(),
    asset: getAddress(asset),
    payTo: getAddress(payTo),
    maxTimeoutSeconds: 300,
    extra: { name: 'USD Coin', version: '2', challenge: secret },
  };
}

/** A v2 payment payload; `accepted` overrides what the client echoes of the requirement. */
export function v2Payload(
  stand: EvmStand,
  payTo: string,
  amount: bigint,
  exact: ExactPayload,
  accepted: Record<string, unknown> = {},
) {
  return {
    x402Version: 2,
    resource: { url: 'https://shop.test/premium' },
    accepted: { ...v2Requirement(stand, payTo, amount), ...accepted },
    payload: exact,
  };
}

/** A v1 payment payload: it names the network but neither the token nor the price. */
export function v1Payload(exact: ExactPayload) {
  return { x402Version: 1, scheme: 'exact', network: 'anvil', payload: exact };
}

export const x402Proof = (version: 1 | 2, payload: unknown) => ({ type: 'x402' as const, version, payload });
