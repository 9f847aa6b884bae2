/**
 * Builds x402 v2 `exact` EVM payloads by hand (viem's EIP-712 signing), for the refusals an
 * unmodified client never produces: a window already closed or not yet open, another signer,
 * another recipient, a smaller value.
 */
import { randomBytes } from 'node:crypto';
import type { PrivateKeyAccount } from 'viem/accounts';

export interface V2Requirement {
  scheme: 'exact';
  network: string;
  amount: string;
  asset: `0x${string}`;
  payTo: `0x${string}`;
  maxTimeoutSeconds: number;
  extra: { name: string; version: string };
}

export interface AuthorizationOverrides {
  to?: `0x${string}`;
  value?: bigint;
  validAfter?: bigint;
  validBefore?: bigint;
  /** Claimed payer; default the signer (a different one makes the signature not recover it). */
  from?: `0x${string}`;
}

/** The first v2 requirement of a base64 `PAYMENT-REQUIRED` header. */
export function firstRequirement(paymentRequired: string): V2Requirement {
  const decoded = JSON.parse(Buffer.from(paymentRequired, 'base64').toString('utf8')) as {
    accepts: V2Requirement[];
  };
  const first = decoded.accepts[0];
  if (first === undefined) throw new Error('PAYMENT-REQUIRED has no accepts');
  return first;
}

/** A base64 `PAYMENT-SIGNATURE` header for `accepted`, signed by `signer`, with `overrides` applied. */
export async function paymentSignature(
  signer: PrivateKeyAccount,
  accepted: V2Requirement,
  overrides: AuthorizationOverrides = {},
): Promise<string> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const message = {
    from: signer.address,
    to: overrides.to ?? accepted.payTo,
    value: overrides.value ?? BigInt(accepted.amount),
    validAfter: overrides.validAfter ?? now - 600n,
    validBefore: overrides.validBefore ?? now + BigInt(accepted.maxTimeoutSeconds),
    nonce: `0x${randomBytes(32).toString('hex')}` as `0x${string}`,
  };
  const signature = await signer.signTypedData({
    domain: {
      name: accepted.extra.name,
      version: accepted.extra.version,
      chainId: Number(accepted.network.split(':')[1]),
      verifyingContract: accepted.asset,
    },
    types: {
      TransferWithAuthorization: [
        { name: 'from', type: 'address' },
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'validAfter', type: 'uint256' },
        { name: 'validBefore', type: 'uint256' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'TransferWithAuthorization',
    message,
  });
  const authorization = {
    from: overrides.from ?? message.from,
    to: message.to,
    value: message.value.toString(),
    validAfter: message.validAfter.toString(),
    validBefore: message.validBefore.toString(),
    nonce: message.nonce,
  };
  const payload = { x402Version: 2, accepted, payload: { signature, authorization } };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}
