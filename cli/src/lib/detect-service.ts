import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

export type ServiceName = 'authz' | 'portal';

/** Top-level keys only one of the two services' configs has. */
const PORTAL_KEYS = ['tokens', 'wallets', 'database', 'watchers', 'invoice', 'publicPathPrefix'];
const AUTHZ_KEYS = ['jwks', 'portal', 'routes', 'upstreams', 'probe', 'unknownHosts'];

/** Which service a config file is for, from its top-level keys; a usage error when unclear. */
export async function detectService(file: string): Promise<ServiceName> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8')) as unknown; // YAML is a superset of JSON
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code ?? (err as Error).message.split('\n')[0]}`, {
      hint: 'give --service authz|portal to get the loader’s own report',
    });
  }
  const keys = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed) : [];
  const portal = keys.filter((k) => PORTAL_KEYS.includes(k)).length;
  const authz = keys.filter((k) => AUTHZ_KEYS.includes(k)).length;
  if (portal > authz) return 'portal';
  if (authz > portal) return 'authz';
  throw new UsageError(`cannot tell which service ${file} configures`, {
    hint: 'give --service authz or --service portal',
  });
}
