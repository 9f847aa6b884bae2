// `turnpike sites` against a real portal's admin API (PGlite in memory): every command, --json,
// the secret from the environment or a file, and the exit codes of each kind of refusal.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HDNodeWallet } from 'ethers';
import { DEV_MNEMONIC } from '../../tests/support/anvil.js';
import { freePort } from '../../tests/support/ports.js';
import { startChain, type ChainFixture } from '../../payment-portal/test/support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../../payment-portal/test/support/portal-fixture.js';
import { turnpike } from './support/run-turnpike.js';

const XPUB = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/3'").neuter().extendedKey;

let chain: ChainFixture;
let portal: PortalFixture;
let admin: string[];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  chain = await startChain();
  portal = await startPortal(chain, { admin: true });
  admin = ['--admin-url', portal.portal.adminUrl!];
  env = { TURNPIKE_ADMIN_TOKEN: portal.adminToken };
}, 60_000);
afterAll(async () => {
  await portal?.close();
  await chain?.close();
});

test('add, update, list and disable a site', async () => {
  const add = await turnpike(
    [
      'sites',
      'add',
      'cli-shop',
      ...admin,
      '--host',
      'cli.example',
      '--host',
      '*.cli.example',
      '--evm-xpub',
      XPUB,
      '--name',
      'CLI',
      '--networks',
      'anvil',
      '--json',
    ],
    { env },
  );
  expect(add.code).toBe(0);
  expect(add.json()).toMatchObject({
    id: 'cli-shop',
    hosts: ['cli.example', '*.cli.example'],
    wallets: { evm: { xpub: XPUB } },
    branding: { name: 'CLI' },
    accept: { networks: ['anvil'] },
    version: 1,
  });

  const update = await turnpike(['sites', 'update', 'cli-shop', ...admin, '--token-lifetime-ms', '60000'], {
    env,
  });
  expect(update.code).toBe(0);
  expect(update.stdout).toContain('updated site cli-shop (version 2)');

  const list = await turnpike(['sites', 'list', ...admin, '--json'], { env });
  const sites = list.json<{ sites: Array<{ id: string; tokenLifetimeMs?: number; hosts: string[] }> }>()
    .sites;
  expect(sites.map((s) => s.id)).toEqual(['default', 'cli-shop']);
  expect(sites[1]).toMatchObject({ tokenLifetimeMs: 60_000, hosts: ['cli.example', '*.cli.example'] });
  const table = await turnpike(['sites', 'list', ...admin], { env });
  expect(table.stdout).toMatch(/^ID\s+ENABLED\s+HOSTS/);
  expect(table.stdout).toMatch(/cli-shop\s+yes\s+cli\.example \*\.cli\.example\s+evm/);

  const disable = await turnpike(['sites', 'disable', 'cli-shop', ...admin, '--json'], { env });
  expect(disable.code).toBe(0);
  expect(disable.json()).toMatchObject({ enabled: false, version: 3 });
});

test('the admin API refusals: every problem listed (exit 2), an overlap (exit 2), an unknown site (exit 1)', async () => {
  const bad = await turnpike(['sites', 'add', 'Bad Id', ...admin, '--evm-xpub', 'nope', '--json'], { env });
  expect(bad.code).toBe(2);
  const error = bad.json<{ error: { code: string; message: string } }>().error;
  expect(error.code).toBe('admin_refused');
  expect(error.message).toContain('site_invalid');
  for (const path of ['id', 'hosts', 'wallets.evm.xpub']) expect(error.message).toContain(`${path}:`);

  await turnpike(['sites', 'add', 'first', ...admin, '--host', 'api.both.example'], { env });
  const clash = await turnpike(['sites', 'add', 'second', ...admin, '--host', '*.both.example'], { env });
  expect(clash.code).toBe(2);
  expect(clash.stderr).toContain('error [admin_refused]: site_hosts_overlap');

  const unknown = await turnpike(['sites', 'disable', 'nope', ...admin, '--json'], { env });
  expect(unknown.code).toBe(1);
  expect(unknown.json<{ error: { code: string } }>().error.code).toBe('not_found');
  const nothing = await turnpike(['sites', 'update', 'first', ...admin], { env });
  expect(nothing.code).toBe(2);
});

test('the secret: from --admin-token-file, missing (exit 2), wrong (exit 2); an unreachable API (exit 3)', async () => {
  const file = join(portal.dir, 'admin-secret');
  await writeFile(file, `${portal.adminToken}\n`);
  const fromFile = await turnpike(['sites', 'list', ...admin, '--admin-token-file', file, '--json'], {
    env: {},
  });
  expect(fromFile.code).toBe(0);

  const missing = await turnpike(['sites', 'list', ...admin, '--json'], { env: {} });
  expect(missing.code).toBe(2);
  expect(missing.json<{ error: { code: string } }>().error.code).toBe('admin_token_missing');

  const wrong = await turnpike(['sites', 'list', ...admin, '--json'], {
    env: { TURNPIKE_ADMIN_TOKEN: 'not-the-admin-secret-at-all' },
  });
  expect(wrong.code).toBe(2);
  expect(wrong.json<{ error: { message: string } }>().error.message).toContain('unauthorized');
  // The secret is never printed.
  expect(wrong.stdout + wrong.stderr).not.toContain(portal.adminToken);

  const down = await turnpike(
    ['sites', 'list', '--admin-url', `http://127.0.0.1:${await freePort()}`, '--json'],
    {
      env,
    },
  );
  expect(down.code).toBe(3);
  expect(down.json<{ error: { code: string } }>().error.code).toBe('admin_unavailable');
});
