import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

const run = promisify(execFile);
const ROLE = 'turnpike';
const STEP_TIMEOUT_MS = 60_000;

export interface TestPostgres {
  /** Connection string of the cluster's `postgres` database (superuser role `turnpike`). */
  url: string;
  port: number;
  /** Creates a fresh empty database and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once and removes its files. */
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL bin directory, or an error saying how to get one. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `bash scripts/test-deps` (installs the Debian postgresql package)',
  );
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program; as root through `runuser -u postgres`, since the server refuses root. */
async function pgRun(bin: string, program: string, args: string[]): Promise<string> {
  const [cmd, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
    : [join(bin, program), args];
  try {
    const { stdout, stderr } = await run(cmd, argv, { timeout: STEP_TIMEOUT_MS });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${program} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function ownedByPostgres(dir: string): Promise<void> {
  if (!isRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await chown(dir, uid, gid);
}

const running = new Set<{ bin: string; dataDir: string }>();
// If a test run dies without afterAll, still take the servers down (synchronously: the process is exiting).
process.once('exit', () => {
  for (const c of running) {
    try {
      const args = ['-D', c.dataDir, '-m', 'immediate', 'stop'];
      if (isRoot)
        execFileSync('runuser', ['-u', 'postgres', '--', join(c.bin, 'pg_ctl'), ...args], {
          stdio: 'ignore',
        });
      else execFileSync(join(c.bin, 'pg_ctl'), args, { stdio: 'ignore' });
    } catch {
      // best effort on exit
    }
  }
});

const INITDB_ARGS = ['-A', 'trust', '-U', ROLE, '--no-sync', '-E', 'UTF8', '--locale=C'];

/**
 * A fresh cluster directory at `dataDir`, copied from one initdb'd template per PostgreSQL version
 * and machine boot (initdb takes seconds on a loaded 2-core machine; a copy a fraction of one).
 * The template is built in a private directory and renamed into place, so concurrent Jest workers
 * either see a whole template or build their own; a copy is a cluster no server has ever run.
 */
async function copyTemplateCluster(bin: string, dataDir: string): Promise<void> {
  const version = basename(dirname(bin));
  const template = join(tmpdir(), `turnpike-pg-template-${version}-${ROLE}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const building = await mkdtemp(join(tmpdir(), 'turnpike-pg-template-building-'));
    await ownedByPostgres(building);
    const cluster = join(building, 'data');
    await pgRun(bin, 'initdb', ['-D', cluster, ...INITDB_ARGS]);
    await rename(cluster, template).catch(() => undefined); // another worker won the race: fine
    await rm(building, { recursive: true, force: true });
  }
  // cp -a keeps the owner (postgres, when run as root) and the 0700 mode the server insists on.
  await run('cp', ['-a', template, dataDir], { timeout: STEP_TIMEOUT_MS });
}

/**
 * Starts a throwaway PostgreSQL cluster from the Debian package: a copy of an initdb'd template
 * (trust auth, no fsync) in a fresh temp dir, then pg_ctl start on a free 127.0.0.1 port with its socket in a temp dir
 * and durability off (fast; the data is thrown away). Throws if the binaries are missing.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const base = await mkdtemp(join(tmpdir(), 'turnpike-pg-'));
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  const logFile = join(base, 'server.log');
  await ownedByPostgres(base);
  await copyTemplateCluster(bin, dataDir);
  await mkdir(socketDir);
  await ownedByPostgres(socketDir);

  let port = 0;
  let lastError: unknown;
  // freePort() can race with another process taking the port; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    const options = [
      `-p ${port}`,
      `-k ${socketDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    try {
      await pgRun(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options, 'start']);
      lastError = undefined;
      break;
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      lastError = new Error(`${(err as Error).message}\n${log}`);
    }
  }
  if (lastError) {
    await rm(base, { recursive: true, force: true });
    throw lastError;
  }
  const cluster = { bin, dataDir };
  running.add(cluster);
  const url = `postgresql://${ROLE}@127.0.0.1:${port}/postgres`;
  let counter = 0;

  return {
    url,
    port,
    async createDatabase(name?: string) {
      const db = name ?? `t_${process.pid}_${++counter}_${Date.now()}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`createDatabase: bad name ${db}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return `postgresql://${ROLE}@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (!running.has(cluster)) return;
      running.delete(cluster);
      await pgRun(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}
