import { randomBytes } from 'node:crypto';

/**
 * A JSON document serialised once with holes, filled per response by concatenation: what a 402
 * carries is the same for every request to a resource but for a few strings (the challenge, its
 * address, a secret), and building and serialising the whole object each time was most of the
 * 402's cost (bench/402).
 */
export interface JsonTemplate<K extends string> {
  /** The document with every hole filled. Values go into JSON strings as they are. */
  fill(values: Readonly<Record<K, string>>): string;
  /**
   * base64 of the UTF-8 of {@link fill}: only the 3-byte windows of the holes whose values changed
   * since the last call are encoded again, while every hole keeps its byte length (the same
   * template, 402 after 402: an x402 `PAYMENT-REQUIRED` differs by a few fixed-length ids).
   */
  fillBase64(values: Readonly<Record<K, string>>): string;
}

// A marker no configured text can contain by chance: random per process.
const NONCE = randomBytes(9).toString('base64url');
const MARKER = new RegExp(`@@hole:${NONCE}:([A-Za-z]+)@@`, 'g');

/**
 * Compiles `build` into a template: `build` is called once with each hole as a marker string and
 * must place every marker inside a JSON string (whole or part of it). The values given to `fill`
 * must be JSON-safe as they are (no `"`, `\` or control characters): pass anything else through
 * {@link jsonStringContent} first.
 */
export function compileJsonTemplate<K extends string>(
  holes: readonly K[],
  build: (markers: Readonly<Record<K, string>>) => unknown,
): JsonTemplate<K> {
  const markers = Object.fromEntries(holes.map((h) => [h, `@@hole:${NONCE}:${h}@@`])) as Record<K, string>;
  const json = JSON.stringify(build(markers), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const parts: string[] = [];
  const order: K[] = [];
  let last = 0;
  for (const m of json.matchAll(MARKER)) {
    parts.push(json.slice(last, m.index));
    order.push(m[1] as K);
    last = m.index + m[0].length;
  }
  parts.push(json.slice(last));
  // Joined, not concatenated: `join` writes one flat string, where `+=` leaves a rope that
  // node:http's header check and socket write each have to walk and flatten (bench/402).
  const fill = (values: Readonly<Record<K, string>>): string => {
    const out = new Array<string>(2 * order.length + 1);
    out[0] = parts[0] as string;
    for (let i = 0; i < order.length; i++) {
      out[2 * i + 1] = values[order[i] as K];
      out[2 * i + 2] = parts[i + 1] as string;
    }
    return out.join('');
  };
  return { fill, fillBase64: base64Filler(parts, order, fill) };
}

/** The last base64 fill of a template: its hole values, where they sit, its bytes and base64. */
interface LastFill {
  values: string[];
  offsets: number[];
  lengths: number[];
  bytes: Buffer;
  base64: string;
}

function base64Filler<K extends string>(
  parts: readonly string[],
  order: readonly K[],
  fill: (values: Readonly<Record<K, string>>) => string,
): (values: Readonly<Record<K, string>>) => string {
  let last: LastFill | undefined;
  const full = (values: Readonly<Record<K, string>>): string => {
    const bytes = Buffer.from(fill(values), 'utf8');
    const vs: string[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    let at = Buffer.byteLength(parts[0] as string);
    for (let i = 0; i < order.length; i++) {
      const v = values[order[i] as K];
      const n = Buffer.byteLength(v);
      vs.push(v);
      offsets.push(at);
      lengths.push(n);
      at += n + Buffer.byteLength(parts[i + 1] as string);
    }
    last = { values: vs, offsets, lengths, bytes, base64: bytes.toString('base64') };
    return last.base64;
  };
  return (values) => {
    const known = last;
    if (known === undefined) return full(values);
    const total = known.bytes.length;
    const out: string[] = [];
    // The base64 characters of `known.base64` taken up to here, and the byte window being merged.
    let taken = 0;
    let from = -1;
    let to = -1;
    const flush = () => {
      out.push(known.base64.slice(taken, (from / 3) * 4), known.bytes.toString('base64', from, to));
      taken = to === total ? known.base64.length : (to / 3) * 4;
    };
    for (let i = 0; i < order.length; i++) {
      const v = values[order[i] as K];
      if (v === known.values[i]) continue;
      // A hole of another byte length moves everything after it: encode it all again.
      if (Buffer.byteLength(v) !== known.lengths[i]) return full(values);
      const start = known.offsets[i] as number;
      const end = start + (known.lengths[i] as number);
      known.bytes.write(v, start, 'utf8');
      known.values[i] = v;
      const windowFrom = start - (start % 3);
      const windowTo = Math.min(total, end + ((3 - (end % 3)) % 3));
      if (from >= 0 && windowFrom <= to) to = Math.max(to, windowTo);
      else {
        if (from >= 0) flush();
        from = windowFrom;
        to = windowTo;
      }
    }
    if (from < 0) return known.base64;
    flush();
    out.push(known.base64.slice(taken));
    known.base64 = out.join('');
    return known.base64;
  };
}

/** Printable ASCII but `"` and `\`: what JSON keeps as it is. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `s` as it appears between the quotes of a JSON string. */
export function jsonStringContent(s: string): string {
  return JSON_PLAIN.test(s) ? s : JSON.stringify(s).slice(1, -1);
}
