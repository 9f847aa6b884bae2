import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@turnpike/protocol/service';
import { loadPortalConfig } from '../../src/config/load-portal-config.js';
import { retentionGraceMs } from '../../src/retention/index.js';

const EXAMPLE = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

describe('loadPortalConfig', () => {
  it('loads config.example.yaml as shipped (secrets from the environment)', async () => {
    const config = await loadPortalConfig({
      file: EXAMPLE,
      env: {
        TURNPIKE_PORTAL_INTERNAL_TOKEN: 'internal-secret-0123456789',
        DATABASE_URL: 'postgres://u@127.0.0.1/db',
        TURNPIKE_PORTAL_TOKEN_KEY: pem,
        TURNPIKE_PORTAL__invoice__expiryMinutes: '45',
      },
    });
    expect(config.listeners.public.port).toBe(8402);
    expect(config.listeners.internalToken.reveal()).toBe('internal-secret-0123456789');
    expect(String(config.listeners.internalToken)).toBe('[redacted]');
    expect(config.watchers.base?.rpcUrls).toHaveLength(2);
    expect(config.watchers.base?.pollIntervalMs).toBe(2_000);
    expect(config.watchers.base?.lateGraceMs).toBe(86_400_000);
    expect(config.invoice.expiryMinutes).toBe(45);
    expect(config.wallets.evm?.xpub.startsWith('xpub')).toBe(true);
    expect(config.proofs.tx).toMatchObject({
      enabled: true,
      clockSkewSeconds: 60,
    });
    expect(config.proofs.x402).toBeUndefined();
  });

  it('fills proofs defaults when absent, and takes a Solana wallet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-config-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(
        file,
        [
          'listeners: { internalToken: { fromEnv: T } }',
          'database: { memory: true }',
          'issuer: https://pay.example',
          'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: K } }] }',
          'wallets: { solana: { address: 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM } }',
        ].join('\n'),
      );
      const config = await loadPortalConfig({ file, env: { T: 'internal-secret-0123456789', K: pem } });
      expect(config.proofs).toEqual({
        attemptsPerMinutePerClient: 120,
        tx: {
          enabled: true,
          clockSkewSeconds: 60,
          maxTxAgeSeconds: 86_400,
          networks: {},
        },
        siwx: { enabled: true, attemptsPerMinutePerClient: 1_200 },
      });
      expect(config.wallets.solana?.address).toBe('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-config-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(
        file,
        [
          'listeners: { internalToken: "literal-secret" }',
          'database: { memory: true, dataDir: /tmp/x }',
          'issuer: not-a-url',
          'tokens: { signingKeys: [] }',
          'watchers: { anvil: { rpcUrls: ["ftp://x"] } }',
          'wallets: { solana: { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" } }',
          'proofs: { x402: { mode: relayer } }',
          'surprise: 1',
        ].join('\n'),
      );
      const err = await loadPortalConfig({ file, env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('listeners.internalToken');
      expect(problems).toContain('database');
      expect(problems).toContain('issuer');
      expect(problems).toContain('tokens.signingKeys');
      expect(problems).toContain('watchers.anvil.rpcUrls.0');
      expect(problems).toContain('wallets.solana.address');
      expect(problems).toContain('proofs.x402.relayerKey');
      expect(problems).toContain('surprise: unknown key');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keep-alive: longer than the gateways by default; a headers timeout not above it is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-config-'));
    try {
      const file = join(dir, 'portal.yaml');
      const base = [
        'database: { memory: true }',
        'issuer: https://portal.test',
        'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: KEY } }] }',
      ];
      const env = { TOKEN: 'internal-secret-0123456789', KEY: pem };
      await writeFile(file, ['listeners: { internalToken: { fromEnv: TOKEN } }', ...base].join('\n'));
      const config = await loadPortalConfig({ file, env });
      expect(config.listeners).toMatchObject({ keepAliveTimeoutMs: 130_000, headersTimeoutMs: 131_000 });
      await writeFile(
        file,
        [
          'listeners: { internalToken: { fromEnv: TOKEN }, keepAliveTimeoutMs: 2m, headersTimeoutMs: 2m }',
          ...base,
        ].join('\n'),
      );
      const err = await loadPortalConfig({ file, env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(/^listeners\.headersTimeoutMs: .*greater than keepAliveTimeoutMs/),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an internal secret shorter than 16 characters (it also keys the sealed 402s)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-config-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(
        file,
        [
          'listeners: { internalToken: { fromEnv: TOKEN } }',
          'database: { memory: true }',
          'issuer: https://portal.test',
          'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: KEY } }] }',
        ].join('\n'),
      );
      const err = await loadPortalConfig({ file, env: { TOKEN: 'fifteen-chars!!', KEY: pem } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(/^listeners\.internalToken: at least 16 characters/),
      ]);
      const config = await loadPortalConfig({ file, env: { TOKEN: 'sixteen-chars!!!', KEY: pem } });
      expect(config.listeners.internalToken.reveal()).toBe('sixteen-chars!!!');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('retention: the grace defaults to the longest late grace + 7 days, and may not be shorter than it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-config-'));
    try {
      const file = join(dir, 'portal.yaml');
      const env = { TOKEN: 'internal-secret-0123456789', KEY: pem };
      const write = (lines: string[]) =>
        writeFile(
          file,
          [
            'listeners: { internalToken: { fromEnv: TOKEN } }',
            'database: { memory: true }',
            'issuer: https://portal.test',
            'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: KEY } }] }',
            ...lines,
          ].join('\n'),
        );
      await write([]);
      let config = await loadPortalConfig({ file, env });
      expect(config.retention).toEqual({ enabled: true, intervalMs: 300_000, batchSize: 500 });
      expect(retentionGraceMs(config)).toBe(86_400_000 + 7 * 86_400_000);
      await write([
        'watchers: { base: { rpcUrls: ["https://a.example"], lateGraceMs: 2d }, polygon: { rpcUrls: ["https://b.example"] } }',
      ]);
      config = await loadPortalConfig({ file, env });
      expect(retentionGraceMs(config)).toBe(9 * 86_400_000);
      await write(['retention: { graceMs: 30d, batchSize: 100 }']);
      expect(retentionGraceMs(await loadPortalConfig({ file, env }))).toBe(30 * 86_400_000);
      await write(['retention: { graceMs: 1h }']);
      const err = await loadPortalConfig({ file, env }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^retention\.graceMs: 3600000 is shorter than the longest .*lateGraceMs \(86400000\)/,
        ),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
