/**
 * The `payment-identifier` entry of a 402's x402 `extensions`: optional (`required: false`); a
 * client that echoes it with an `id` gets its retries answered with the first result
 * (specs/extensions/payment_identifier.md; the portal's proofs/x402/idempotency).
 */
export const PAYMENT_IDENTIFIER_EXTENSION = {
  info: { required: false },
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      required: { type: 'boolean' },
      id: { type: 'string', minLength: 16, maxLength: 128, pattern: '^[a-zA-Z0-9_-]+$' },
    },
    required: ['required'],
  },
} as const;
