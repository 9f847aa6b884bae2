import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { paymentRequestWireSchema, type PaymentRequestWire } from '../payment-request/wire-schema.js';
import { REASONS } from '../reasons.js';
import { seal, unseal } from '../sealed/seal.js';

/** Longest pay link reference accepted (a payment request is at most 8 KiB; base64 adds a third). */
export const MAX_PAY_LINK_CHARS = 16_384;

/** What a pay link carries: everything the invoice the pay page opens will be bound to. */
export interface PayLink {
  host: string;
  scheme: 'http' | 'https';
  /** Token scope. */
  resource: string;
  /** The normalised URI the person is sent back to. */
  originalUri: string;
  request: PaymentRequestWire;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const sealedSchema = z.strictObject({
  h: z.string().min(1).max(261),
  s: z.enum(['http', 'https']),
  r: z.string().startsWith('/').max(8192),
  u: z.string().startsWith('/').max(8192),
  q: paymentRequestWireSchema,
  exp: z.number().int().positive(),
});

/**
 * The `ref` of a browser 402's pay link, sealed by the authorizer (stateless: a browser 402 writes
 * nothing and needs no portal call) and opened by the portal when the person arrives. Any edit to
 * the host, URI or price breaks the MAC.
 */
export function sealPayLink(key: Buffer, link: PayLink): string {
  return seal(key, {
    h: link.host,
    s: link.scheme,
    r: link.resource,
    u: link.originalUri,
    q: link.request,
    exp: Math.floor(link.expiresAt / 1000),
  });
}

/** Opens a pay link; throws ProtocolError `reference_invalid` when altered, foreign or expired. */
export function openPayLink(key: Buffer, ref: string, nowMs: number): PayLink {
  const parsed = sealedSchema.safeParse(unseal(key, ref, MAX_PAY_LINK_CHARS));
  if (!parsed.success) throw new ProtocolError(REASONS.REFERENCE_INVALID, 'the payment link is invalid');
  const p = parsed.data;
  if (p.exp * 1000 <= nowMs)
    throw new ProtocolError(REASONS.REFERENCE_INVALID, 'the payment link has expired');
  return { host: p.h, scheme: p.s, resource: p.r, originalUri: p.u, request: p.q, expiresAt: p.exp * 1000 };
}
