import type { PaymentRequest } from '@turnpike/protocol';

const CONCRETE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * x402's `resource.mimeType` ("MIME type of the expected response"): what the declaration says
 * (its `mimeType`, or the type of the page whose `<meta>` or response declared it), else the
 * type the request asks for most (the highest-quality concrete type in `Accept`), else
 * `application/json` (an API client that accepts anything). docs/payments-from-programs.md.
 */
export function resourceMimeType(request: PaymentRequest, accept: string | undefined): string {
  if (request.mimeType !== undefined) return request.mimeType;
  let best: string | undefined;
  let bestQ = 0;
  for (const range of (accept ?? '').split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    if (!CONCRETE.test(type)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > bestQ) {
      best = type;
      bestQ = q;
    }
  }
  return best ?? 'application/json';
}
