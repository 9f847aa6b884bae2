import {
  REASONS,
  x402SettlementResponseSchema,
  x402VerifyResponseSchema,
  type Reason,
  type X402SettlementResponse,
  type X402VerifyResponse,
} from '@turnpike/protocol';
import type { z } from 'zod';
import { ProofRefusal } from '../context.js';

export interface FacilitatorOptions {
  url: string;
  timeoutMs: number;
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch;
}

export interface FacilitatorRequest {
  x402Version: 1 | 2;
  paymentPayload: unknown;
  paymentRequirements: unknown;
}

export interface FacilitatorClient {
  verify(body: FacilitatorRequest): Promise<X402VerifyResponse>;
  settle(body: FacilitatorRequest): Promise<X402SettlementResponse>;
}

/**
 * An x402 facilitator over HTTP (`POST /verify`, `POST /settle`). Every call has a timeout and no
 * redirects; any failure — timeout, transport error, non-2xx, a body that does not parse — is
 * `facilitator_unavailable`, so nothing is credited on an answer that was not understood.
 */
export function createFacilitatorClient(opts: FacilitatorOptions): FacilitatorClient {
  const base = opts.url.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  async function post<S extends z.ZodType>(
    path: string,
    body: FacilitatorRequest,
    schema: S,
  ): Promise<z.output<S>> {
    let response: Response;
    let json: unknown;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
        redirect: 'error',
      });
      json = await response.json();
    } catch (cause) {
      throw new ProofRefusal(REASONS.FACILITATOR_UNAVAILABLE, `facilitator ${path} did not answer`, {
        cause,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ProofRefusal(
        REASONS.FACILITATOR_UNAVAILABLE,
        `facilitator ${path} answered HTTP ${response.status} with an unexpected body`,
      );
    return parsed.data;
  }
  return {
    verify: (body) => post('/verify', body, x402VerifyResponseSchema),
    settle: (body) => post('/settle', body, x402SettlementResponseSchema),
  };
}

// x402's facilitator reasons (spec and the TS SDK's exact/EVM errors) → ours.
const FACILITATOR_REASONS: Array<[RegExp, Reason]> = [
  [/nonce|authorization_?(is_)?used|duplicate/i, REASONS.X402_NONCE_USED],
  [/insufficient/i, REASONS.X402_INSUFFICIENT_BALANCE],
  [/signature/i, REASONS.X402_SIGNATURE_INVALID],
  [/valid_?before|expired/i, REASONS.X402_AUTHORIZATION_EXPIRED],
  [/valid_?after|not_yet_valid/i, REASONS.X402_AUTHORIZATION_NOT_YET_VALID],
  [/recipient/i, REASONS.X402_RECIPIENT_MISMATCH],
  [/value/i, REASONS.X402_VALUE_MISMATCH],
];

/** Our reason for a facilitator's `invalidReason` / `errorReason`. */
export function facilitatorReason(raw: string | undefined, fallback: Reason): Reason {
  if (raw === undefined) return fallback;
  return FACILITATOR_REASONS.find(([re]) => re.test(raw))?.[1] ?? fallback;
}
