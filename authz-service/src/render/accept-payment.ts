/** One `Accept-Payment` range: a method and intent (each may be `*`) and its weight. */
interface PaymentRange {
  method: string;
  intent: string;
  q: number;
}

const RANGE = /^([a-z][a-z0-9:_-]*|\*)\/([A-Za-z0-9-]+|\*)$/;
const WEIGHT = /^q=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;
const MAX_RANGES = 32;

/**
 * The client's `Accept-Payment` (draft-httpauth-payment §7.4) as a weigher of `method/intent`:
 * the weight of the most specific matching range, 0 when none matches. Undefined when the header
 * is absent or malformed (the draft: a server MAY ignore a malformed one).
 */
export function acceptPaymentWeigher(
  header: string | undefined,
): ((method: string, intent: string) => number) | undefined {
  if (header === undefined || header.length > 1024) return undefined;
  const ranges: PaymentRange[] = [];
  for (const part of header.split(',')) {
    const [token, ...params] = part.split(';').map((p) => p.trim());
    const m = RANGE.exec(token ?? '');
    if (m === null || ranges.length === MAX_RANGES) return undefined;
    let q = 1;
    for (const p of params) {
      const w = WEIGHT.exec(p);
      if (w === null) return undefined;
      q = Number(w[1]);
    }
    ranges.push({ method: m[1] as string, intent: m[2] as string, q });
  }
  return (method, intent) => {
    let best: PaymentRange | undefined;
    let bestSpecificity = -1;
    for (const r of ranges) {
      if ((r.method !== '*' && r.method !== method) || (r.intent !== '*' && r.intent !== intent)) continue;
      const specificity = (r.method === '*' ? 0 : 2) + (r.intent === '*' ? 0 : 1);
      if (specificity > bestSpecificity) {
        best = r;
        bestSpecificity = specificity;
      }
    }
    return best?.q ?? 0;
  };
}
