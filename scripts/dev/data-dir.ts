/**
 * The dev stack's data directory (`.turnpike-data/` or TURNPIKE_DATA_DIR): the token signing key,
 * kept across restarts (mode 0600), and one PGlite database per chain start.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DevDataDir {
  root: string;
  /** PKCS#8 PEM of the ES256 token signing key. */
  signingKeyPem: string;
  signingKeyFile: string;
  /** Where PGlite keeps the portal's database for this run. */
  pgliteDir: string;
}

async function readOrCreateKey(file: string): Promise<string> {
  try {
    const pem = await readFile(file, 'utf8');
    if (pem.includes('PRIVATE KEY')) {
      await chmod(file, 0o600);
      return pem;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  await writeFile(file, pem, { mode: 0o600 });
  await chmod(file, 0o600);
  return pem;
}

/**
 * Prepares the data directory. The anvil chain is new on every start, so invoices, receive
 * address indexes and watcher cursors of the previous run describe a chain that no longer
 * exists: the database is started afresh each time (the signing key is kept, so the JWKS is stable).
 */
export async function prepareDataDir(root: string): Promise<DevDataDir> {
  const abs = path.resolve(root);
  await mkdir(abs, { recursive: true, mode: 0o700 });
  const signingKeyFile = path.join(abs, 'token-signing-key.pem');
  const signingKeyPem = await readOrCreateKey(signingKeyFile);
  const pgliteDir = path.join(abs, 'pglite');
  await rm(pgliteDir, { recursive: true, force: true });
  await mkdir(pgliteDir, { recursive: true });
  return { root: abs, signingKeyPem, signingKeyFile, pgliteDir };
}
