/** The x402 extensions Turnpike speaks (keys of `extensions` in PAYMENT-REQUIRED and payloads). */
export const X402_EXTENSIONS = {
  signInWithX: 'sign-in-with-x',
  paymentIdentifier: 'payment-identifier',
} as const;

/** The request header a sign-in-with-x client sends its signed CAIP-122 message in (lower case). */
export const SIWX_HEADER = 'sign-in-with-x';

/** How long a sign-in-with-x challenge of a 402 stays signable (the extension's default, 5 min). */
export const SIWX_CHALLENGE_TTL_MS = 5 * 60_000;

/** A payment-identifier `id`: 16–128 characters of [A-Za-z0-9_-] (specs/extensions/payment_identifier.md). */
export const PAYMENT_IDENTIFIER_ID = /^[A-Za-z0-9_-]{16,128}$/;
