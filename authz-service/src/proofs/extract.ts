import type { NetworkRegistry } from '@turnpike/protocol';
import { PAYMENT_DIALECTS, type ExtractedProof } from '../dialects/index.js';

export type { ExtractedProof } from '../dialects/index.js';

const NONE: ExtractedProof = { kind: 'none' };

/**
 * The payment proof a client sent with its retry, read by the first dialect that finds its own
 * headers (see `dialects/`). Garbled proofs are refused with their reason (the client gets a
 * fresh 402 saying why).
 */
export function extractProof(
  headers: Record<string, string | undefined>,
  registry: NetworkRegistry,
): ExtractedProof {
  for (const dialect of PAYMENT_DIALECTS) {
    const found = dialect.extract(headers, registry);
    if (found.kind !== 'none') return found;
  }
  return NONE;
}
