import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEV_MNEMONIC } from '../../tests/support/anvil.js';
import { CLI_ERROR_CODES, EXIT_CODES } from '../src/errors.js';
import { CLI_VERSION } from '../src/version.js';
import { turnpike } from './support/run-turnpike.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The bin as a real process (TypeScript sources through tsx, as `npm start` runs them). */
function bin(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'cli/src/main.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe('turnpike (the program)', () => {
  it('documents every error code with its exit code, and every exit code, in docs/cli.md', async () => {
    const doc = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const [code, exit] of Object.entries(CLI_ERROR_CODES))
      expect(doc).toContain(`| \`${code}\` | ${exit} |`);
    for (const exit of Object.values(EXIT_CODES)) expect(doc).toMatch(new RegExp(`^\\| ${exit} \\| `, 'm'));
  });

  it('reports the package version and ships a bin', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    expect(CLI_VERSION).toBe(pkg.version);
    expect(pkg.bin.turnpike).toBe('./dist/main.js');
    expect((await turnpike(['--version'])).stdout.trim()).toBe(pkg.version);
  });

  it('runs as a process: stdin, --json and exit codes', async () => {
    const [ok, db] = await Promise.all([
      bin(['wallet', 'xpub', '--json'], DEV_MNEMONIC),
      bin(['--json', 'payments', 'list']),
    ]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { path: string }).path).toBe("m/44'/60'/1'");
    expect(db.code).toBe(EXIT_CODES.usage);
    expect((JSON.parse(db.stdout) as { error: { code: string } }).error.code).toBe('database_url_missing');
  });

  it('answers an unknown command or option with usage (exit 2)', async () => {
    expect((await turnpike(['invoices', 'frobnicate'])).code).toBe(EXIT_CODES.usage);
    expect((await turnpike(['revenue', '--by', 'week'])).code).toBe(EXIT_CODES.usage);
    expect((await turnpike(['sweep', 'plan'])).code).toBe(EXIT_CODES.usage);
    // With --json, a usage error is a JSON document too.
    const json = await turnpike(['--json', 'revenue', '--by', 'week']);
    expect(json.code).toBe(EXIT_CODES.usage);
    expect(json.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'usage_invalid',
      message: expect.stringContaining('week'),
    });
  });

  it('prints help for the program and each command (exit 0)', async () => {
    const help = await turnpike(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['keys', 'wallet', 'config', 'invoices', 'payments', 'revenue', 'sweep', 'doctor'])
      expect(help.stdout).toContain(command);
    const sub = await turnpike(['sweep', 'sign', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--mnemonic-file');
  });
});
