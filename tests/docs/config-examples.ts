/**
 * The repo's configuration examples and the environment they document, for the docs suites.
 *
 * An example is any file named `config.example.yaml` (or `*.example.yaml` / `.json`), or a
 * `.yaml`/`.json` file under `deploy/` whose first line is `# turnpike-config: authz` or
 * `# turnpike-config: portal`; the service is the nearest of those names in its path (or that
 * first line). Every `fromEnv: NAME` in an example must be a variable listed in DOCUMENTED_ENV
 * below (its header comment says what it holds): an unknown name fails the suite, so a new
 * secret gets a value here and a line in the example's header.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAuthzConfig, type LoadedAuthzConfig } from '@turnpike/authz-service';
import { loadPortalConfig, type PortalConfig } from '@turnpike/payment-portal';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ServiceName = 'authz' | 'portal';

// fixtures: deliberately broken examples the docs suites feed in themselves.
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-artifacts', 'fixtures']);
const MARKER = /^#\s*turnpike-config:\s*(authz|portal)\s*$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(path.join(dir, entry.name), out);
    } else out.push(path.join(dir, entry.name));
  }
  return out;
}

/** The service an example configures, or undefined when the file is no Turnpike config example. */
export function exampleService(file: string): ServiceName | undefined {
  const relative = path.relative(REPO_ROOT, file);
  if (!/\.(ya?ml|json)$/.test(file)) return undefined;
  const firstLine = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const marked = MARKER.exec(firstLine)?.[1] as ServiceName | undefined;
  if (marked) return marked;
  if (!/(^|\/)(config\.example|[^/]+\.example)\.(ya?ml|json)$/.test(relative)) return undefined;
  const authzAt = relative.lastIndexOf('authz');
  const portalAt = relative.lastIndexOf('portal');
  if (authzAt < 0 && portalAt < 0) throw new Error(`${relative}: cannot tell which service it configures`);
  return authzAt > portalAt ? 'authz' : 'portal';
}

/** Every config example in the repo, with its service. */
export function configExamples(): Array<{ file: string; relative: string; service: ServiceName }> {
  return walk(REPO_ROOT)
    .map((file) => ({ file, relative: path.relative(REPO_ROOT, file), service: exampleService(file) }))
    .filter((e): e is { file: string; relative: string; service: ServiceName } => e.service !== undefined)
    .sort((a, b) => a.relative.localeCompare(b.relative));
}

const tokenKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

/**
 * A value of the documented kind for each variable the examples read (the examples' headers
 * describe them). The internal token is one value for both services, as in a real deployment.
 */
export const DOCUMENTED_ENV: Readonly<Record<string, string>> = {
  DATABASE_URL: 'postgres://turnpike:secret@127.0.0.1:5432/turnpike',
  TURNPIKE_PORTAL_INTERNAL_TOKEN: randomBytes(32).toString('base64'),
  TURNPIKE_PORTAL_TOKEN_KEY: tokenKeyPem,
  TURNPIKE_AUTHZ_ADMIN_TOKEN: randomBytes(32).toString('base64'),
  TURNPIKE_PORTAL_RELAYER_KEY: `0x${randomBytes(32).toString('hex')}`,
};

/** The `fromEnv` names an example reads (comments included: a commented-out option is documentation too). */
export function envNamesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...new Set([...text.matchAll(/fromEnv["']?\s*:\s*["']?([A-Z][A-Z0-9]*_[A-Z0-9_]+)/g)].map((m) => m[1]!)),
  ];
}

/** The documented environment for `file`; throws on a variable DOCUMENTED_ENV does not know. */
export function documentedEnvFor(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of envNamesOf(file)) {
    const value = DOCUMENTED_ENV[name];
    if (value === undefined)
      throw new Error(
        `${path.relative(REPO_ROOT, file)} reads ${name}, which tests/docs/config-examples.ts does not document`,
      );
    env[name] = value;
  }
  return env;
}

export type LoadedExample =
  { service: 'authz'; loaded: LoadedAuthzConfig } | { service: 'portal'; config: PortalConfig };

/** Loads an example through its service's real loader, with `env` as the whole environment. */
export async function loadExample(
  service: ServiceName,
  file: string,
  env: Record<string, string>,
): Promise<LoadedExample> {
  return service === 'authz'
    ? { service, loaded: await loadAuthzConfig({ file, env }) }
    : { service, config: await loadPortalConfig({ file, env }) };
}
