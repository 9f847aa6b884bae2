/**
 * The superset rule: access is granted when every required claim is present in the token as an
 * own property with exactly the same string value. Extra token claims are fine.
 */
export function claimsSatisfy(
  token: Readonly<Record<string, unknown>>,
  required: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(required)) {
    if (!Object.hasOwn(token, key)) return false;
    const actual = token[key];
    if (typeof actual !== 'string' || actual !== value) return false;
  }
  return true;
}
