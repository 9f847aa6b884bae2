/**
 * Reads a Compose file the way Compose does for the parts our deploy/docker/compose.yaml uses:
 * YAML merge keys, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`
 * and `$$` interpolation, profiles, replicas, depends_on (list or conditions). A key it does not
 * translate is an error, so the test never silently runs something other than the file says.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const SUPPORTED_SERVICE_KEYS = new Set([
  'image',
  'build',
  'command',
  'environment',
  'volumes',
  'tmpfs',
  'read_only',
  'ports',
  'healthcheck',
  'deploy',
  'depends_on',
  'profiles',
  'restart',
]);

const serviceSchema = z.object({
  image: z.string(),
  build: z
    .object({ context: z.string(), dockerfile: z.string(), target: z.string().optional() })
    .strict()
    .optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  volumes: z.array(z.string()).optional(),
  tmpfs: z.array(z.string()).optional(),
  read_only: z.boolean().optional(),
  ports: z.array(z.string()).optional(),
  healthcheck: z
    .object({
      test: z.array(z.string()),
      interval: z.string().optional(),
      timeout: z.string().optional(),
      retries: z.number().int().optional(),
    })
    .strict()
    .optional(),
  deploy: z
    .object({ replicas: z.number().int().min(1) })
    .strict()
    .optional(),
  depends_on: z
    .union([
      z.array(z.string()),
      z.record(z.string(), z.object({ condition: z.enum(['service_started', 'service_healthy']) }).strict()),
    ])
    .optional(),
  profiles: z.array(z.string()).optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
});

const composeSchema = z.object({
  name: z.string().optional(),
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.union([z.object({}).strict(), z.null()])).optional(),
});

export type ComposeService = z.infer<typeof serviceSchema> & { name: string };

export interface ComposeFile {
  /** The file's directory: relative paths (build contexts, bind mounts) start here. */
  dir: string;
  services: ComposeService[];
  namedVolumes: string[];
}

/** Compose's interpolation of one string. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      whole,
      braced: string | undefined,
      op: string | undefined,
      arg: string | undefined,
      bare: string | undefined,
    ) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unsetOrEmpty = value === undefined || (op?.startsWith(':') === true && value === '');
      if (op === ':-' || op === '-') return unsetOrEmpty ? (arg ?? '') : (value ?? '');
      if (op === ':?' || op === '?') {
        if (unsetOrEmpty) throw new Error(`compose: ${name}: ${arg || 'required'}`);
        return value as string;
      }
      return value ?? '';
    },
  );
}

function interpolateAll(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, env));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  return node;
}

/** Parses `file` with `env` for interpolation and returns the services active for `profiles`. */
export async function readComposeFile(
  file: string,
  env: Record<string, string | undefined>,
  profiles: readonly string[] = [],
): Promise<ComposeFile> {
  const raw = parse(await readFile(file, 'utf8'), { merge: true }) as { services?: Record<string, object> };
  for (const [name, service] of Object.entries(raw.services ?? {})) {
    const unknown = Object.keys(service).filter((key) => !SUPPORTED_SERVICE_KEYS.has(key));
    if (unknown.length > 0)
      throw new Error(`compose: service ${name}: not translated: ${unknown.join(', ')}`);
  }
  const parsed = composeSchema.parse(interpolateAll(raw, env));
  const services = Object.entries(parsed.services)
    .filter(([, s]) => s.profiles === undefined || s.profiles.some((p) => profiles.includes(p)))
    .map(([name, s]) => ({ ...s, name }));
  return { dir: dirname(resolve(file)), services, namedVolumes: Object.keys(parsed.volumes ?? {}) };
}

/** Names of the services `service` depends on, with whether it waits for their health. */
export function dependenciesOf(service: ComposeService): Array<{ name: string; healthy: boolean }> {
  const deps = service.depends_on;
  if (deps === undefined) return [];
  if (Array.isArray(deps)) return deps.map((name) => ({ name, healthy: false }));
  return Object.entries(deps).map(([name, d]) => ({ name, healthy: d.condition === 'service_healthy' }));
}

/** Services in an order where each comes after what it depends on. */
export function startOrder(services: readonly ComposeService[]): ComposeService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered: ComposeService[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: ComposeService): void => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting')
      throw new Error(`compose: dependency cycle at ${service.name}`);
    state.set(service.name, 'visiting');
    for (const dep of dependenciesOf(service)) {
      const target = byName.get(dep.name);
      if (target === undefined) throw new Error(`compose: ${service.name} depends on inactive ${dep.name}`);
      visit(target);
    }
    state.set(service.name, 'done');
    ordered.push(service);
  };
  for (const service of services) visit(service);
  return ordered;
}
