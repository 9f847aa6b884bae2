// The admin listener (config `admin`): served only when configured, every admin API route behind
// the admin bearer secret, and none of it reachable on the public or internal listener.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPortalConfig } from '../../src/config/load-portal-config.js';
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

let chain: ChainFixture;
let withAdmin: PortalFixture;
let without: PortalFixture;

beforeAll(async () => {
  chain = await startChain();
  withAdmin = await startPortal(chain, { admin: true });
  without = await startPortal(chain);
}, 60_000);

afterAll(async () => {
  await withAdmin?.close();
  await without?.close();
  await chain?.close();
});

test('the admin API answers with the admin secret and refuses anything else with 401 unauthorized', async () => {
  const ok = await withAdmin.admin('/status');
  expect(ok.status).toBe(200);
  expect(ok.headers.get('cache-control')).toBe('no-store');
  expect(await ok.json()).toMatchObject({ service: 'payment-portal', issuer: 'https://portal.test' });
  for (const token of ['wrong-secret-of-some-length', withAdmin.internalToken, '']) {
    const refused = await withAdmin.admin('/status', { token });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ reason: 'unauthorized' });
  }
  const bare = await fetch(`${withAdmin.portal.adminUrl}/admin/api/status`);
  expect(bare.status).toBe(401);
});

test('the admin API is not on the public or internal listener', async () => {
  for (const base of [withAdmin.portal.publicUrl, withAdmin.portal.internalUrl]) {
    const res = await fetch(`${base}/admin/api/status`, {
      headers: { authorization: `Bearer ${withAdmin.adminToken}` },
    });
    expect(res.status).not.toBe(200);
  }
});

test('without `admin` in the config there is no admin listener', () => {
  expect(without.portal.adminUrl).toBeUndefined();
  expect(withAdmin.portal.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('an admin token shorter than 16 characters is a config error naming admin.token', async () => {
  const file = join(withAdmin.dir, 'admin-short-token.yaml');
  await writeFile(
    file,
    [
      'listeners: { internalToken: { fromEnv: T } }',
      'admin: { listen: { host: 127.0.0.1, port: 0 }, token: { fromEnv: A } }',
      'database: { memory: true }',
      'issuer: https://portal.test',
      'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: T } }] }',
    ].join('\n'),
  );
  const loading = loadPortalConfig({ file, env: { T: 'internal-secret-0123456789', A: 'short' } });
  await expect(loading).rejects.toThrow(/admin\.token/);
});
