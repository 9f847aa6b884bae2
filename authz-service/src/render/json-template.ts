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
  return {
    fill(values) {
      let out = parts[0] as string;
      for (let i = 0; i < order.length; i++) out += values[order[i] as K] + (parts[i + 1] as string);
      return out;
    },
  };
}

/** Printable ASCII but `"` and `\`: what JSON keeps as it is. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `s` as it appears between the quotes of a JSON string. */
export function jsonStringContent(s: string): string {
  return JSON_PLAIN.test(s) ? s : JSON.stringify(s).slice(1, -1);
}
