import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEV_MNEMONIC } from '../../tests/support/anvil.js';
import { turnpike } from './support/run-turnpike.js';

interface CheckOut {
  service: string;
  ok: boolean;
  problems: string[];
}

describe('turnpike config check (the services’ own loaders)', () => {
  let dir: string;
  let portal: Record<string, unknown>;
  let authz: Record<string, unknown>;
  const write = async (name: string, value: unknown): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, name.endsWith('.json') ? JSON.stringify(value) : stringify(value));
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turnpike-config-'));
    await writeFile(join(dir, 'internal-token'), 'an-internal-token-of-enough-length-1234567890');
    // A key and an xpub made by the CLI itself, as an operator would.
    const key = await turnpike(['keys', 'new', '--out', join(dir, 'token-key.pem'), '--json']);
    const { configEntry } = key.json<{ configEntry: Record<string, unknown> }>();
    const wallet = await turnpike(['wallet', 'xpub', '--json'], { stdin: DEV_MNEMONIC });
    portal = {
      listeners: { internalToken: { fromFile: 'internal-token' } },
      database: { memory: true },
      issuer: 'https://shop.test/_402',
      tokens: { signingKeys: [configEntry] },
      wallets: { evm: { xpub: wallet.json<{ xpub: string }>().xpub } },
      watchers: { base: { rpcUrls: ['https://base.example/rpc'] } },
    };
    authz = {
      issuer: 'https://shop.test/_402',
      jwks: { url: 'http://127.0.0.1:8402/_402/.well-known/jwks.json' },
      portal: { internalUrl: 'http://127.0.0.1:8403', token: { fromFile: 'internal-token' } },
      upstreams: { 'shop.test': 'http://127.0.0.1:3000' },
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a valid portal config (key and xpub from the CLI) and detects the service', async () => {
    const run = await turnpike(['config', 'check', await write('portal.yaml', portal), '--json']);
    expect(run.json<CheckOut>()).toMatchObject({ service: 'portal', ok: true, problems: [] });
    expect(run.code).toBe(0);
  });

  it('lists every portal problem at once (exit 1)', async () => {
    const broken = {
      ...portal,
      issuer: 'not a url',
      colour: 'blue',
      listeners: { internalToken: { fromEnv: 'NOT_SET_ANYWHERE' } },
      wallets: { evm: { xpub: 'xpub-nonsense' } },
    };
    const run = await turnpike(['config', 'check', await write('broken-portal.yaml', broken), '--json']);
    expect(run.code).toBe(1);
    const { problems } = run.json<CheckOut>();
    const text = problems.join('\n');
    expect(text).toMatch(/^issuer: /m);
    expect(text).toMatch(/^colour: unknown key/m);
    expect(text).toMatch(/^listeners\.internalToken: .*NOT_SET_ANYWHERE/m);
    expect(text).toMatch(/^wallets\.evm\.xpub: /m);
  });

  it('reports what only start-up would find: a watcher of an unknown network, a key that is not P-256', async () => {
    await writeFile(join(dir, 'rsa.pem'), '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    const late = {
      ...portal,
      watchers: { atlantis: { rpcUrls: ['https://rpc.example'] } },
      tokens: { signingKeys: [{ kid: 'bad', privateKey: { fromFile: 'rsa.pem' } }] },
    };
    const run = await turnpike(['config', 'check', await write('late.yaml', late), '--service', 'portal']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('watchers.atlantis: no such network');
    expect(run.stdout).toContain('tokens.signingKeys.0.privateKey');
  });

  it('checks an authorizer config, routes included, JSON files too', async () => {
    const good = await turnpike(['config', 'check', await write('authz.json', authz), '--json']);
    expect(good.json<CheckOut>()).toMatchObject({ service: 'authz', ok: true });
    const bad = {
      ...authz,
      jwks: { url: 'ftp://nope' },
      routes: [
        {
          hosts: ['shop.test'],
          paths: ['/x/**'],
          request: { payment: { requests: [{ network: 'atlantis', amount: '1' }] } },
        },
      ],
    };
    const run = await turnpike(['config', 'check', await write('authz-bad.yaml', bad), '--json']);
    expect(run.code).toBe(1);
    expect(run.json<CheckOut>().problems.join('\n')).toMatch(/^jwks/m);
  });

  it('honours TURNPIKE_PORTAL__ overrides from the environment, as the service does', async () => {
    const file = await write('portal-env.yaml', portal);
    const run = await turnpike(['config', 'check', file, '--json'], {
      env: { TURNPIKE_PORTAL__invoice__expiryMinutes: 'soon' },
    });
    expect(run.code).toBe(1);
    expect(run.json<CheckOut>().problems.join('\n')).toContain('TURNPIKE_PORTAL__invoice__expiryMinutes');
  });

  it('is a usage error (exit 2) when the service cannot be told or the file is missing', async () => {
    const neither = await turnpike(['config', 'check', await write('neither.yaml', { logLevel: 'info' })]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--service');
    const missing = await turnpike(['config', 'check', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    const missingPortal = await turnpike([
      'config',
      'check',
      join(dir, 'missing.yaml'),
      '--service',
      'portal',
    ]);
    expect(missingPortal.code).toBe(2);
    expect(missingPortal.stderr).toContain('ENOENT');
    const wrongChoice = await turnpike(['config', 'check', join(dir, 'portal.yaml'), '--service', 'gateway']);
    expect(wrongChoice.code).toBe(2);
  });
});
