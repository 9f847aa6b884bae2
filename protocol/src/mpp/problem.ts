import { REASONS } from '../reasons.js';

/** The draft's problem types (§8), under its canonical base URI. */
export const MPP_PROBLEM_BASE = 'https://paymentauth.org/problems/';

export type MppProblemCode =
  | 'payment-required'
  | 'payment-insufficient'
  | 'payment-expired'
  | 'verification-failed'
  | 'method-unsupported'
  | 'malformed-credential'
  | 'invalid-challenge';

const TITLES: Record<MppProblemCode, string> = {
  'payment-required': 'Payment Required',
  'payment-insufficient': 'Payment Insufficient',
  'payment-expired': 'Payment Expired',
  'verification-failed': 'Payment Verification Failed',
  'method-unsupported': 'Payment Method Unsupported',
  'malformed-credential': 'Malformed Payment Credential',
  'invalid-challenge': 'Invalid Payment Challenge',
};

const BY_REASON: Readonly<Record<string, MppProblemCode>> = {
  [REASONS.MPP_CREDENTIAL_MALFORMED]: 'malformed-credential',
  [REASONS.MPP_METHOD_UNSUPPORTED]: 'method-unsupported',
  [REASONS.MPP_CHALLENGE_INVALID]: 'invalid-challenge',
  [REASONS.MPP_CHALLENGE_EXPIRED]: 'invalid-challenge',
  [REASONS.MPP_CREDENTIAL_USED]: 'invalid-challenge',
  [REASONS.X402_NONCE_USED]: 'invalid-challenge',
  [REASONS.PAYMENT_ALREADY_REDEEMED]: 'invalid-challenge',
  [REASONS.PAYMENT_CHALLENGE_INVALID]: 'invalid-challenge',
  [REASONS.PAYMENT_CHALLENGE_MISMATCH]: 'invalid-challenge',
  [REASONS.PAYMENT_UNDERPAID]: 'payment-insufficient',
  [REASONS.X402_VALUE_MISMATCH]: 'payment-insufficient',
  [REASONS.PAYMENT_EXPIRED]: 'payment-expired',
  [REASONS.PAYMENT_TOO_OLD]: 'payment-expired',
  [REASONS.X402_AUTHORIZATION_EXPIRED]: 'payment-expired',
};

/** The problem type of a refused MPP credential, by its Turnpike reason (default: verification-failed). */
export function mppProblemFor(reason: string): { type: string; title: string; code: MppProblemCode } {
  const code = BY_REASON[reason] ?? 'verification-failed';
  return { type: `${MPP_PROBLEM_BASE}${code}`, title: TITLES[code], code };
}
