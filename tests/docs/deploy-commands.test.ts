/**
 * Runs the commands of docs/deploy.md that can run on this machine, as an operator would.
 *
 * Convention: a fenced block tagged `sh` whose first line is `# test: runs-here` is run here; any
 * other block is documentation only. Blocks run in document order (a later one may use what an
 * earlier one made), each on its own with `bash -euo pipefail`, from the repo root, with this
 * environment in place of the operator's:
 *   STAGE        an empty directory standing in for the install directory (/opt/turnpike)
 *   DATABASE_URL a fresh database on a throwaway PostgreSQL cluster (tests/support/postgres.ts)
 *   RPC_URL      a fresh anvil chain (deploy/dev), where nothing else is deployed
 *   MNEMONIC_FILE a file holding the public development mnemonic ("test test … junk"), standing in
 *                for the operator's offline seed
 *   and the variables the config examples read (tests/docs/config-examples.ts DOCUMENTED_ENV).
 * To run blocks of another page, add it to DOCS. After the blocks, the staged install they made
 * ($STAGE: built dist/ and production dependencies only) is started and must serve.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEV_MNEMONIC, startAnvil, type AnvilChain } from '../../deploy/dev/index.js';
import { freePort } from '../support/ports.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { killAll, spawnTracked, type TrackedProcess } from '../support/processes.js';
import { DOCUMENTED_ENV, REPO_ROOT } from './config-examples.js';

const run = promisify(execFile);

/** Pages whose `# test: runs-here` blocks this suite runs. */
const DOCS = ['docs/deploy.md'];
const TAG = '# test: runs-here';
const BLOCK_TIMEOUT_MS = 240_000;

interface Block {
  where: string;
  script: string;
}

/** The tagged `sh` blocks of a Markdown file, with their line numbers. */
function runnableBlocks(relative: string): Block[] {
  const lines = readFileSync(path.join(REPO_ROOT, relative), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (body[0]?.trim() === TAG) blocks.push({ where: `${relative}:${start + 1}`, script: body.join('\n') });
  }
  return blocks;
}

const blocks = DOCS.flatMap(runnableBlocks);

let postgres: TestPostgres;
let anvil: AnvilChain;
let stage: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stage = await mkdtemp(path.join(tmpdir(), 'turnpike-stage-'));
  // Beside the stage, not in it: the first block expects an empty install directory.
  const mnemonicFile = `${stage}.mnemonic`;
  await writeFile(mnemonicFile, `${DEV_MNEMONIC}\n`, { mode: 0o600 });
  postgres = await startPostgres();
  anvil = await startAnvil();
  env = {
    ...process.env,
    ...DOCUMENTED_ENV,
    STAGE: stage,
    DATABASE_URL: await postgres.createDatabase('deploy_docs'),
    RPC_URL: anvil.rpcUrl,
    MNEMONIC_FILE: mnemonicFile,
    // npm must not ask anything, and keeps its output short.
    npm_config_yes: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_prefer_offline: 'true',
  };
}, 120_000);

afterAll(async () => {
  await killAll();
  await anvil?.stop();
  await postgres?.stop();
  if (stage) await rm(stage, { recursive: true, force: true });
  if (stage) await rm(`${stage}.mnemonic`, { force: true });
});

describe('docs/deploy.md commands', () => {
  it('has runnable blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((b) => [b.where, b] as const))(
    '%s runs',
    async (_where, block) => {
      const result = await run('bash', ['-euo', 'pipefail', '-c', block.script], {
        cwd: REPO_ROOT,
        env,
        timeout: BLOCK_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(
          `${block.where} exited ${String(err.code)}\n--- stdout\n${err.stdout ?? ''}\n--- stderr\n${err.stderr ?? ''}`,
        );
      });
      expect(typeof result.stdout).toBe('string');
    },
    BLOCK_TIMEOUT_MS + 10_000,
  );
});

/** Polls `url` until it answers 200 (or the process exits). */
async function waitFor200(url: string, proc: TrackedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered 200\n${proc.output()}`);
}

describe('the staged install (built dist/ and production dependencies only)', () => {
  it('holds no sources and no development packages', () => {
    for (const ws of ['protocol', 'authz-service', 'payment-portal']) {
      expect({ ws, dist: existsSync(path.join(stage, ws, 'dist')) }).toEqual({ ws, dist: true });
      expect({ ws, src: existsSync(path.join(stage, ws, 'src')) }).toEqual({ ws, src: false });
    }
    expect(existsSync(path.join(stage, 'payment-portal/migrations'))).toBe(false);
    const installed = readdirSync(path.join(stage, 'node_modules'));
    // (typescript is not in the list: a production package declares it as a peer.)
    for (const dev of ['jest', 'tsx', 'eslint', 'prettier', '@swc', '@foundry-rs', 'playwright-core'])
      expect({ dev, installed: installed.includes(dev) }).toEqual({ dev, installed: false });
  });

  it('starts both bins on the shipped examples: the portal serves its assets, JWKS and internal API; the authorizer verifies against it', async () => {
    const [publicPort, internalPort, authzPort] = [await freePort(), await freePort(), await freePort()];
    const deadRpc = `http://127.0.0.1:${await freePort()}`;
    const portalEnv = {
      ...env,
      TURNPIKE_PORTAL__listeners__public__host: '127.0.0.1',
      TURNPIKE_PORTAL__listeners__public__port: String(publicPort),
      TURNPIKE_PORTAL__listeners__internal__port: String(internalPort),
      // No outbound call to public RPC endpoints from a test: the watchers poll nothing.
      TURNPIKE_PORTAL__watchers__base__rpcUrls: JSON.stringify([deadRpc]),
      TURNPIKE_PORTAL__watchers__polygon__rpcUrls: JSON.stringify([deadRpc]),
      TURNPIKE_PORTAL__logLevel: 'warn',
    };
    const bin = (name: string) => path.join(stage, 'node_modules/.bin', name);
    const portal = spawnTracked(bin('payment-portal'), ['--config', path.join(stage, 'portal.yaml')], {
      cwd: stage,
      env: portalEnv,
    });
    await waitFor200(`http://127.0.0.1:${publicPort}/healthz`, portal);
    const css = await fetch(`http://127.0.0.1:${publicPort}/_402/assets/pay.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toBe(
      readFileSync(path.join(REPO_ROOT, 'payment-portal/src/pay-page/assets/pay.css'), 'utf8'),
    );
    const jwks = (await (
      await fetch(`http://127.0.0.1:${publicPort}/_402/.well-known/jwks.json`)
    ).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['2026-01']);

    const authz = spawnTracked(bin('authz-service'), ['--config', path.join(stage, 'authz.yaml')], {
      cwd: stage,
      env: {
        ...env,
        TURNPIKE_AUTHZ__listeners__host: '127.0.0.1',
        TURNPIKE_AUTHZ__listeners__httpPort: String(authzPort),
        TURNPIKE_AUTHZ__listeners__grpcPort: String(await freePort()),
        TURNPIKE_AUTHZ__portal__internalUrl: `http://127.0.0.1:${internalPort}`,
        TURNPIKE_AUTHZ__jwks__url: `http://127.0.0.1:${publicPort}/_402/.well-known/jwks.json`,
        // Smaller address leases than the example's, for a machine shared with other suites.
        TURNPIKE_AUTHZ__challenges__leaseSize: '64',
        TURNPIKE_AUTHZ__logLevel: 'warn',
      },
    });
    await waitFor200(`http://127.0.0.1:${authzPort}/healthz`, authz);
    // A priced static route of the example: the authorizer reaches the portal (payee, address
    // lease) and answers the 402 itself. The first lease derives addresses; on a loaded machine
    // it can outlast the portal timeout (a fail-closed 503), so ask until the 402 comes.
    const ask = () =>
      fetch(`http://127.0.0.1:${authzPort}/v1/forward-auth`, {
        headers: {
          'x-forwarded-method': 'GET',
          'x-forwarded-uri': '/v1/reports/today',
          'x-forwarded-host': 'api.shop.example',
          'x-forwarded-proto': 'https',
          accept: 'application/json',
        },
      });
    let denied = await ask();
    for (let i = 0; i < 30 && denied.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      denied = await ask();
    }
    expect({ status: denied.status, body: denied.status === 402 ? '' : await denied.text() }).toEqual({
      status: 402,
      body: '',
    });
    await authz.stop();
    await portal.stop();
  }, 150_000);
});
