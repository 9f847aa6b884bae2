import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readFile } from 'node:fs/promises';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { startAnvil, type AnvilChain } from '../../tests/support/anvil.js';
import { freePort } from '../../tests/support/ports.js';
import { startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

interface Check {
  name: string;
  status: 'ok' | 'problem' | 'skipped';
  message: string;
  hint?: string;
}

describe('turnpike doctor (a running portal on real PostgreSQL and anvil)', () => {
  let ledger: Ledger;
  let portal: RunningPaymentPortal;
  let portalFile: string;
  let authzFile: string;
  let otherChain: AnvilChain;
  let silent: Server;
  const sockets: Socket[] = [];
  const write = async (name: string, value: unknown): Promise<string> => {
    const file = join(ledger.dir, name);
    await writeFile(file, stringify(value));
    return file;
  };
  const doctor = async (...args: string[]): Promise<{ code: number; checks: Check[]; stdout: string }> => {
    const run = await turnpike(['doctor', ...args, '--json']);
    return { code: run.code, checks: run.json<{ checks: Check[] }>().checks, stdout: run.stdout };
  };
  const byName = (checks: Check[], name: string): Check => checks.find((c) => c.name === name)!;

  beforeAll(async () => {
    ledger = await startLedger();
    const base = parse(await readFile(ledger.portalConfigFile, 'utf8')) as Record<string, unknown>;
    const [publicPort, internalPort] = [await freePort(), await freePort()];
    portalFile = await write('doctor-portal.yaml', {
      ...base,
      listeners: {
        public: { host: '127.0.0.1', port: publicPort },
        internal: { host: '127.0.0.1', port: internalPort },
        internalToken: { fromFile: 'internal-token' },
      },
      logLevel: 'silent',
    });
    portal = await startPaymentPortal(await loadPortalConfig({ file: portalFile, env: {} }), {
      logger: createLogger({ name: 'doctor-test', level: 'silent' }),
    });
    authzFile = await write('doctor-authz.yaml', {
      issuer: 'https://shop.test/_402',
      jwks: { url: `${portal.publicUrl}/_402/.well-known/jwks.json` },
      portal: { internalUrl: portal.internalUrl, token: { fromFile: 'internal-token' } },
    });
    otherChain = await startAnvil({ chainId: 84532 });
    // Accepts connections and never answers: what a hung dependency looks like.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    silent?.close();
    await otherChain?.stop();
    await portal?.close();
    await ledger?.close();
  });

  it('passes every check of a working setup (exit 0)', async () => {
    const { code, checks } = await doctor('--portal-config', portalFile, '--authz-config', authzFile);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['portal config', 'ok'],
      ['authz config', 'ok'],
      ['database', 'ok'],
      ['rpc anvil', 'ok'],
      ['jwks', 'ok'],
      ['internal api', 'ok'],
    ]);
    expect(byName(checks, 'rpc anvil').message).toBe('chain id 31337');
    expect(code).toBe(0);
    const text = await turnpike(['doctor', '--portal-config', portalFile, '--authz-config', authzFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^internal api +OK +http:\/\/127\.0\.0\.1:\d+\/internal\/v1\/payee +reachable, token accepted$/m,
    );
    expect(text.stdout).toContain('all checks passed');
  });

  it("without the authorizer's config, calls the portal's internal API with the portal's own token", async () => {
    const { code, checks } = await doctor('--portal-config', portalFile);
    expect(byName(checks, 'internal api').status).toBe('ok');
    expect(code).toBe(0);
  });

  it('names a wrong internal token, a different issuer and a JWKS without the portal key, with hints (exit 1)', async () => {
    await writeFile(join(ledger.dir, 'wrong-token'), randomBytes(24).toString('base64url'));
    // Another portal's JWKS: a real P-256 public key under another kid.
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const jwksServer = createHttpServer((_req, res) =>
      res
        .setHeader('content-type', 'application/json')
        .end(JSON.stringify({ keys: [{ ...otherKey, kid: 'other' }] })),
    );
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const otherJwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
    const wrong = await write('wrong-authz.yaml', {
      issuer: 'https://elsewhere.test/_402',
      jwks: { url: otherJwksUrl },
      portal: { internalUrl: portal.internalUrl, token: { fromFile: 'wrong-token' } },
    });
    const { code, checks, stdout } = await doctor('--portal-config', portalFile, '--authz-config', wrong);
    expect(code).toBe(1);
    expect(byName(checks, 'issuer').status).toBe('problem');
    expect(byName(checks, 'internal token').status).toBe('problem');
    const api = byName(checks, 'internal api');
    expect(api).toMatchObject({ status: 'problem', message: 'the token is refused (401)' });
    expect(api.hint).toContain('listeners.internalToken');
    const text = await turnpike(['doctor', '--portal-config', portalFile, '--authz-config', wrong]);
    expect(text.stdout).toContain(
      'hint (internal api): authz-service portal.token must hold the same secret',
    );
    expect(text.stdout).toMatch(/\d problem\(s\) found$/m);
    expect(byName(checks, 'jwks')).toMatchObject({
      status: 'problem',
      message: "does not serve kid k1 of the portal's tokens.signingKeys",
    });
    expect(stdout).not.toContain(ledger.internalToken);
    jwksServer.close();
  });

  it('finds an RPC of the wrong chain, a dead RPC, an unreachable database and a hung JWKS, each within its timeout', async () => {
    const deadPort = await freePort();
    await writeFile(join(ledger.dir, 'dead-db-url'), `postgres://turnpike@127.0.0.1:${deadPort}/none`);
    const base = parse(await readFile(portalFile, 'utf8')) as Record<string, unknown>;
    const broken = await write('broken-portal.yaml', {
      ...base,
      database: { url: { fromFile: 'dead-db-url' } },
      watchers: { anvil: { rpcUrls: [otherChain.rpcUrl, `http://127.0.0.1:${deadPort}`] } },
    });
    const hung = await write('hung-authz.yaml', {
      issuer: 'https://shop.test/_402',
      jwks: { url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/jwks.json` },
      portal: { internalUrl: portal.internalUrl, token: { fromFile: 'internal-token' } },
    });
    const started = Date.now();
    const { code, checks } = await doctor(
      '--portal-config',
      broken,
      '--authz-config',
      hung,
      '--timeout-ms',
      '500',
    );
    expect(code).toBe(1);
    expect(byName(checks, 'database')).toMatchObject({ status: 'problem' });
    const rpcs = checks.filter((c) => c.name === 'rpc anvil');
    expect(rpcs[0]).toMatchObject({ status: 'problem', message: 'chain id 84532, expected 31337' });
    expect(rpcs[1]!.status).toBe('problem');
    expect(byName(checks, 'jwks')).toMatchObject({ status: 'problem', message: 'no answer within 500 ms' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('checks a JWKS file the same way as a URL', async () => {
    const jwksFile = join(ledger.dir, 'jwks.json');
    const served = await (await fetch(`${portal.publicUrl}/_402/.well-known/jwks.json`)).text();
    await writeFile(jwksFile, served);
    const fromFile = await write('file-authz.yaml', {
      issuer: 'https://shop.test/_402',
      jwks: { file: 'jwks.json' },
      portal: { internalUrl: portal.internalUrl, token: { fromFile: 'internal-token' } },
    });
    const good = await doctor('--portal-config', portalFile, '--authz-config', fromFile);
    expect(byName(good.checks, 'jwks')).toMatchObject({ status: 'ok' });
    await writeFile(jwksFile, JSON.stringify({ keys: [] }));
    const stale = await doctor('--portal-config', portalFile, '--authz-config', fromFile);
    expect(stale.code).toBe(1);
    expect(byName(stale.checks, 'jwks')).toMatchObject({
      status: 'problem',
      message: expect.stringContaining('k1'),
    });
  });

  it('reports an invalid portal config as a problem and checks nothing it names', async () => {
    const bad = await write('invalid-portal.yaml', { issuer: 'nope' });
    const { code, checks } = await doctor('--portal-config', bad);
    expect(code).toBe(1);
    expect(checks.map((c) => c.name)).toEqual(['portal config']);
  });
});
