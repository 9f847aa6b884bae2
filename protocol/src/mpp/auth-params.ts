/** RFC 9110 `token` characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a quoted-string may carry here: printable ASCII and tab (no CR, LF or other controls). */
const QUOTABLE = /^[\t\x20-\x7e]*$/;

/**
 * One auth-param, `name="value"` with `"` and `\` escaped (quoted-string, RFC 9110 §5.6.4). Values
 * outside printable ASCII are refused: a challenge is a header, and every value put here is a
 * wire string Turnpike built (ids, base64url, host names, timestamps).
 */
export function authParam(name: string, value: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`auth-param name "${name}" is not a token`);
  if (!QUOTABLE.test(value)) throw new TypeError(`auth-param ${name} holds a character a header cannot`);
  return `${name}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One `Payment` challenge: the scheme and its auth-params, in order. */
export function paymentChallenge(params: ReadonlyArray<readonly [string, string | undefined]>): string {
  const parts: string[] = [];
  for (const [name, value] of params) if (value !== undefined) parts.push(authParam(name, value));
  return `Payment ${parts.join(', ')}`;
}
