/**
 * deploy/docker/compose.yaml started for real with podman, try-out profile included: stand-in
 * base images (see stand-in-images.ts), the real Dockerfile built with `--pull=never`, fresh
 * secrets and free host ports. Exposes what a test (or an operator's tool, e.g. `turnpike revenue`
 * or `turnpike sweep plan`) needs: the gateway, the chain's RPC and the database URL.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/ports.js';
import { composeUp, type ComposeStack } from './compose-stack.js';
import { containerCacheDir, ensureStandInImages } from './stand-in-images.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const COMPOSE_FILE = join(REPO_ROOT, 'deploy/docker/compose.yaml');
export const LOG_FILE = join(REPO_ROOT, 'test-artifacts/container/podman.log');
/** The host authz-service's config example protects (its `upstreams`), served by the demo app. */
export const PROTECTED_HOST = 'shop.example';
/** Circle's USDC on the try-out chain (the address compose.yaml names). */
export const TRY_OUT_USDC = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0';

export interface TurnpikeCompose {
  compose: ComposeStack;
  /** NGINX, published on a free loopback port; send `Host: shop.example`. */
  gatewayUrl: string;
  /** The try-out anvil chain (id 31337). */
  rpcUrl: string;
  /** The stack's PostgreSQL, as the portal uses it (published on loopback). */
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * podman build gives RUN steps 1024 open files, too few for `npm ci` reading a warm cache (it
 * then reports packages as not cached): allow what this process may open (never more: raising
 * limits is not permitted here).
 */
async function openFilesUlimitArgs(): Promise<string[]> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  return match === null ? [] : ['--ulimit', `nofile=${match[1]}:${match[2]}`];
}

/**
 * Without registry access the image builds offline from a copy of this machine's npm cache
 * (the lockfile's packages are there after the host's own `npm ci`).
 */
async function offlineNpmBuildArgs(): Promise<string[]> {
  const hostCache = process.env.npm_config_cache ?? join(homedir(), '.npm');
  const copy = join(containerCacheDir(), 'npm-cache');
  await rm(copy, { recursive: true, force: true });
  await mkdir(copy, { recursive: true });
  await cp(join(hostCache, '_cacache'), join(copy, '_cacache'), { recursive: true });
  return ['--build-arg', 'npm_config_offline=true', '-v', `${join(copy, '_cacache')}:/root/.npm/_cacache`];
}

export async function startTurnpikeCompose(): Promise<TurnpikeCompose> {
  await rm(LOG_FILE, { force: true });
  await ensureStandInImages(LOG_FILE);
  const [httpPort, anvilPort, dbPort] = [await freePort(), await freePort(), await freePort()];
  const dbPassword = randomBytes(18).toString('base64url');
  const env = {
    TURNPIKE_HTTP_PORT: String(httpPort),
    TURNPIKE_ANVIL_PORT: String(anvilPort),
    TURNPIKE_DB_PORT: String(dbPort),
    TURNPIKE_DB_PASSWORD: dbPassword,
    TURNPIKE_PORTAL_INTERNAL_TOKEN: randomBytes(24).toString('base64url'),
    TURNPIKE_AUTHZ_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    TURNPIKE_PORTAL_TOKEN_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  };
  const project = `tpk-ct-${randomBytes(3).toString('hex')}`;
  const compose = await composeUp({
    file: COMPOSE_FILE,
    project,
    env,
    profiles: ['try-out'],
    logFile: LOG_FILE,
    buildArgs: [...(await openFilesUlimitArgs()), ...(await offlineNpmBuildArgs())],
  });
  try {
    await compose.waitHealthy('postgres');
    await compose.waitHealthy('payment-portal');
    await compose.waitHealthy('authz-service');
  } catch (err) {
    const logs = await Promise.all(
      ['payment-portal', 'authz-service', 'anvil', 'nginx']
        .flatMap((s) => compose.containers(s))
        .map(async (c) => `--- ${c}\n${await compose.logs(c)}`),
    );
    await compose.down();
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
  }
  return {
    compose,
    gatewayUrl: `http://127.0.0.1:${httpPort}`,
    rpcUrl: `http://127.0.0.1:${anvilPort}`,
    databaseUrl: `postgres://turnpike:${dbPassword}@127.0.0.1:${dbPort}/turnpike`,
    close: () => compose.down(),
  };
}
