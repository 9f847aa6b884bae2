import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { deepMerge, envOverrides, isPlainObject, setPath, type PlainObject } from './merge.js';
import { schemaKeysAt } from './schema-keys.js';
import { secretContext } from './secret.js';

export interface LoadConfigOptions<S extends z.ZodType> {
  /** The service's schema. Build every object with `z.strictObject` so unknown keys are errors. */
  schema: S;
  /** A `.yaml`/`.yml` or `.json` file; omitted means defaults and environment only. */
  file?: string | undefined;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `<envPrefix>__a__b=value` overrides the value at `a.b`. */
  envPrefix: string;
  /** The service's defaults, merged under the file. */
  defaults?: object;
}

const ROOT = '(root)';

function dotted(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? ROOT : path.map(String).join('.');
}

/** Turns zod issues into `<path>: <problem>` lines, one per unknown key. */
function problemsOf(error: z.ZodError, origins: Map<string, string>): string[] {
  const problems: string[] = [];
  const add = (path: string, message: string): void => {
    const origin = origins.get(path);
    problems.push(`${path}: ${message}${origin ? ` (from ${origin})` : ''}`);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(dotted([...issue.path, key]), 'unknown key');
    } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      add(dotted(issue.path), `required (${issue.expected})`);
    } else {
      add(dotted(issue.path), issue.message.replace(/^Invalid input: /, ''));
    }
  }
  return problems;
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text) as unknown;
    if (ext === '.yaml' || ext === '.yml') return (parseYaml(text) as unknown) ?? {};
  } catch (err) {
    throw new ConfigError([
      `${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    ]);
  }
  throw new ConfigError([`${file}: unsupported extension "${ext}" (use .yaml, .yml or .json)`]);
}

/** Config loads in flight; the secret context's async hooks are switched off when it drops to 0. */
let activeLoads = 0;

/**
 * Loads a service's configuration: `defaults`, then the file, then `<envPrefix>__…` environment
 * overrides, validated by `schema`. Secret sources are resolved on the way. Throws one
 * {@link ConfigError} listing every problem found.
 */
export async function loadConfig<S extends z.ZodType>(opts: LoadConfigOptions<S>): Promise<z.output<S>> {
  const env = opts.env ?? process.env;
  const file = opts.file === undefined ? undefined : resolve(opts.file);
  const fromFile = file === undefined ? {} : await readConfigFile(file);
  if (!isPlainObject(fromFile))
    throw new ConfigError([`${file ?? ROOT}: the configuration must be a mapping of keys to values`]);

  const merged = deepMerge(opts.defaults ?? {}, fromFile) as PlainObject;
  const origins = new Map<string, string>();
  const problems: string[] = [];
  for (const { name, path, value } of envOverrides(env, opts.envPrefix)) {
    if (path.some((segment) => segment === '')) {
      problems.push(`${name}: empty path segment in environment override`);
      continue;
    }
    const written = setPath(merged, path, value, (at) => schemaKeysAt(opts.schema, at));
    origins.set(written, name);
  }

  const baseDir = file === undefined ? process.cwd() : dirname(file);
  activeLoads += 1;
  let result: Awaited<ReturnType<S['safeParseAsync']>>;
  try {
    result = (await secretContext.run({ env, baseDir }, () =>
      opts.schema.safeParseAsync(merged),
    )) as typeof result;
  } finally {
    // An AsyncLocalStorage that has run once keeps Node's async hooks on for the whole process,
    // which taxes every promise on the authorizer's hot path. Loading config is a start-up event:
    // switch the hooks off again once no load is in flight (run() switches them back on).
    activeLoads -= 1;
    if (activeLoads === 0) secretContext.disable();
  }
  if (!result.success) problems.push(...problemsOf(result.error, origins));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data as z.output<S>;
}
