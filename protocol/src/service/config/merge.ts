/** @internal Helpers for layering defaults, the config file and environment overrides. */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Also an object literal of another realm: structuredClone (in deepMerge) builds its copies in
  // the host's realm, which is not the caller's under a vm context (Jest), and a nested section
  // that failed this check was replaced by an environment override instead of merged.
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** Merges `over` onto `base`: objects merge key by key, anything else (arrays too) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over))
    return over === undefined ? structuredClone(base) : structuredClone(over);
  const out: PlainObject = structuredClone(base);
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(out[key], value);
  return out;
}

/**
 * Reads `<prefix>__a__b=value` variables into `[['a','b'], value]` pairs. The value is JSON when it
 * parses as JSON (numbers, booleans, arrays, objects, quoted strings), else the raw string.
 */
export function envOverrides(
  env: NodeJS.ProcessEnv,
  prefix: string,
): Array<{ name: string; path: string[]; value: unknown }> {
  const start = `${prefix}__`;
  const out: Array<{ name: string; path: string[]; value: unknown }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.startsWith(start)) continue;
    const path = name.slice(start.length).split('__');
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out.push({ name, path, value });
  }
  // Shorter paths first, so `X__a='{...}'` is applied before `X__a__b=1` refines it.
  return out.sort((a, b) => a.path.length - b.path.length || a.name.localeCompare(b.name));
}

/**
 * Sets `value` at `path` inside `root`, creating objects on the way. A segment matches an existing
 * key, or a key the schema declares there, case-insensitively (env names are often upper-case, config keys camelCase); a numeric segment
 * indexes an existing array. Returns the dotted path actually written.
 */
export function setPath(
  root: PlainObject,
  path: string[],
  value: unknown,
  knownKeys: (at: string[]) => string[] = () => [],
): string {
  let node: PlainObject | unknown[] = root;
  const written: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      const index = Number(segment);
      const key = Number.isInteger(index) && index >= 0 ? index : node.length;
      written.push(String(key));
      if (last) node[key] = value;
      else {
        if (!isPlainObject(node[key]) && !Array.isArray(node[key])) node[key] = {};
        node = node[key] as PlainObject | unknown[];
      }
      continue;
    }
    const obj: PlainObject = node;
    const candidates = [...Object.keys(obj), ...knownKeys(written)];
    const key =
      candidates.find((k) => k === segment) ??
      candidates.find((k) => k.toLowerCase() === segment.toLowerCase()) ??
      segment;
    written.push(key);
    if (last) obj[key] = value;
    else {
      if (!isPlainObject(obj[key]) && !Array.isArray(obj[key])) obj[key] = {};
      node = obj[key] as PlainObject | unknown[];
    }
  }
  return written.join('.');
}
