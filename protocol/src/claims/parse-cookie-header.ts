/**
 * Parses a Cookie header into name → values, keeping duplicates in order (a browser sends one
 * cookie per matching Path, so the same name can appear several times). Values are not
 * percent-decoded; surrounding double quotes are removed.
 */
export function parseCookieHeader(header: string | undefined): Map<string, string[]> {
  const cookies = new Map<string, string[]>();
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '') continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const list = cookies.get(name);
    if (list === undefined) cookies.set(name, [value]);
    else list.push(value);
  }
  return cookies;
}
