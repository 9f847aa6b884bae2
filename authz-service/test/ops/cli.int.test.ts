import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send } from '../support/http.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'authz-service/src/main.ts');

/** Runs the CLI the way an operator would (TypeScript sources through tsx). */
function runCli(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authz-cli-'));
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [] }));
  await writeFile(
    join(dir, 'config.yaml'),
    [
      'listeners: { host: 127.0.0.1, httpPort: 0 }',
      'issuer: https://portal.test',
      'jwks: { file: jwks.json }',
      'portal: { internalUrl: "http://127.0.0.1:9", token: { fromEnv: PORTAL_TOKEN } }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('authz-service CLI (main.ts)', () => {
  it('starts from --config with env overrides, serves /healthz, and stops on SIGTERM', async () => {
    const child = runCli(['--config', join(dir, 'config.yaml')], {
      PORTAL_TOKEN: 'portal-internal-secret',
      TURNPIKE_AUTHZ__logLevel: 'info',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const m = /"httpPort":(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      expect((await send(port, { path: '/healthz' })).status).toBe(200);
      expect((await send(port, { path: '/readyz' })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a bad configuration with every problem at once and exit code 2', async () => {
    const child = runCli(['--config', join(dir, 'config.yaml')], {
      TURNPIKE_AUTHZ__probe__timeoutMs: 'soon',
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('invalid configuration');
    expect(err).toContain('probe.timeoutMs');
    expect(err).toContain('portal.token');
  });
});
