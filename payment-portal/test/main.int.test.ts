import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('payment-portal CLI', () => {
  it('exits with status 2 and lists every configuration problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-cli-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(file, 'issuer: nope\ndatabase: { memory: true }\n');
      const err = (await run(
        join(ROOT, 'node_modules/.bin/tsx'),
        ['--conditions=source', MAIN, '--config', file],
        { cwd: ROOT, timeout: 30_000 },
      ).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code).toBe(2);
      expect(err.stderr).toContain('invalid configuration');
      expect(err.stderr).toContain('issuer');
      expect(err.stderr).toContain('listeners: required');
      expect(err.stderr).toContain('tokens: required');
      expect(err.stderr).not.toContain('at ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const runMain = (args: string[], env: Record<string, string> = {}, timeout = 30_000) =>
    run(join(ROOT, 'node_modules/.bin/tsx'), ['--conditions=source', MAIN, ...args], {
      cwd: ROOT,
      timeout,
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('--help prints the commands and exits 0; an unknown command exits 2 with the usage', async () => {
    const help = await runMain(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: payment-portal \[command\] --config <file>/);
    expect(help.stdout).toContain('migrate');
    const bad = await runMain(['migrat', '--config', 'x.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command: migrat');
    expect(bad.stderr).toContain('Usage: payment-portal');
  });

  it('check validates the config and the token keys without starting: 0, or 2 naming the bad key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-cli-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(
        file,
        [
          'listeners: { internalToken: { fromEnv: T } }',
          'database: { memory: true }',
          'issuer: https://pay.example',
          'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: K } }] }',
          '',
        ].join('\n'),
      );
      const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      const ok = await runMain(['check', '--config', file], { T: 'internal-secret-0123456789', K: pem });
      expect(ok).toMatchObject({ code: 0, stdout: 'configuration valid (token keys: k1)\n' });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      const bad = await runMain(['check', '--config', file], { T: 'internal-secret-0123456789', K: rsa });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('tokens.signingKeys "k1"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // PostgreSQL and a second run (nothing pending) are covered by tests/docs/deploy-commands.
  it('migrate applies the migrations to the configured database and exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-cli-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(
        file,
        [
          'listeners: { internalToken: { fromEnv: T } }',
          'database: { memory: true }',
          'issuer: https://pay.example',
          'tokens: { signingKeys: [{ kid: k1, privateKey: { fromEnv: K } }] }',
          'logLevel: silent',
          '',
        ].join('\n'),
      );
      const env = { T: 'internal-secret-0123456789', K: 'checked only at start' };
      const done = await runMain(['migrate', '--config', file], env, 100_000);
      expect(done).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^migrations: applied 1, 2, [\d, ]+; schema version \d+\n$/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
