import { PAYMENT_IDENTIFIER_ID, REASONS, X402_EXTENSIONS, type X402Proof } from '@turnpike/protocol';
import { z } from 'zod';
import { ProofRefusal } from '../../context.js';

const extensionSchema = z.looseObject({
  info: z.looseObject({ id: z.unknown().optional() }),
});

/**
 * The x402 `payment-identifier` id a payment payload carries (`extensions["payment-identifier"]
 * .info.id`), or undefined when it carries none. An id that is there but not 16–128 characters of
 * [A-Za-z0-9_-] is refused (`payment_identifier_invalid`): a client that meant to be idempotent is
 * never settled as if it had not.
 */
export function paymentIdentifierOf(proof: X402Proof): string | undefined {
  if (proof.payload === null || typeof proof.payload !== 'object') return undefined;
  const extensions = (proof.payload as { extensions?: unknown }).extensions;
  if (extensions === null || typeof extensions !== 'object') return undefined;
  const extension = (extensions as Record<string, unknown>)[X402_EXTENSIONS.paymentIdentifier];
  if (extension === undefined) return undefined;
  const parsed = extensionSchema.safeParse(extension);
  const id = parsed.success ? parsed.data.info.id : undefined;
  if (parsed.success && id === undefined) return undefined;
  if (typeof id !== 'string' || !PAYMENT_IDENTIFIER_ID.test(id))
    throw new ProofRefusal(
      REASONS.PAYMENT_IDENTIFIER_INVALID,
      'the payment-identifier id must be 16-128 characters of A-Z a-z 0-9 _ -',
    );
  return id;
}
