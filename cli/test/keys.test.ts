import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { loadSigningKeys } from '@turnpike/payment-portal';
import { Secret } from '@turnpike/protocol/service';
import { turnpike } from './support/run-turnpike.js';

describe('turnpike keys', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turnpike-keys-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keys new writes an ES256 PKCS#8 key with mode 0600 and prints its JWK thumbprint as kid', async () => {
    const out = join(dir, 'token-key.pem');
    const run = await turnpike(['keys', 'new', '--out', out, '--json']);
    expect(run.code).toBe(0);
    const { kid, publicJwk, configEntry } = run.json<{
      kid: string;
      publicJwk: JWK;
      configEntry: { privateKey: { fromFile: string } };
    }>();
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const pem = await readFile(out, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // Recomputed from the file: RFC 7638 thumbprint of its public key.
    const jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK;
    expect(kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(kid).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    // What the portal will publish for this file under this kid.
    const portalKeys = loadSigningKeys([{ kid, privateKey: new Secret(pem) }]);
    expect(portalKeys.jwks.keys).toEqual([publicJwk]);
    expect(configEntry.privateKey.fromFile).toBe(out);
    expect(run.stdout).not.toContain('PRIVATE KEY');
  });

  it('refuses to overwrite an existing file (exit 4) and leaves it as it was', async () => {
    const out = join(dir, 'existing.pem');
    await writeFile(out, 'keep me');
    const run = await turnpike(['keys', 'new', '--out', out]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('file_exists');
    expect(await readFile(out, 'utf8')).toBe('keep me');
  });

  it('takes --kid when it fits the portal rule, refuses it otherwise (exit 2)', async () => {
    const good = await turnpike([
      'keys',
      'new',
      '--out',
      join(dir, 'named.pem'),
      '--kid',
      '2026-12',
      '--json',
    ]);
    expect(good.json<{ kid: string }>().kid).toBe('2026-12');
    const bad = await turnpike(['keys', 'new', '--out', join(dir, 'bad.pem'), '--kid', 'has space']);
    expect(bad.code).toBe(2);
  });

  it('keys rotate gives the procedure in terms of the real config keys', async () => {
    const run = await turnpike(['keys', 'rotate', '--json']);
    expect(run.code).toBe(0);
    const { steps, lastTokenExpiry } = run.json<{ steps: string[]; lastTokenExpiry: string | null }>();
    expect(steps).toHaveLength(5);
    const all = steps.join('\n');
    for (const key of ['tokens.signingKeys', 'createdAt', 'jwks.cacheMaxAgeMs', 'turnpike keys new'])
      expect(all).toContain(key);
    expect(lastTokenExpiry).toBeNull();
  });

  it('keys rotate warns, and still prints the procedure, when DATABASE_URL cannot be read', async () => {
    const run = await turnpike(['keys', 'rotate'], {
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tokens.signingKeys');
    expect(run.stderr).toContain('WARNING: could not read the last token expiry');
  });
});
