/**
 * Stand-ins for the official base images compose.yaml and the Dockerfile name, built here because
 * no registry is reachable: a Debian bookworm root filesystem from Debian's own mirror
 * (`debootstrap --variant=minbase`, imported with `podman import`), then one image per official
 * name from the Containerfiles in ../stand-ins/ (Node: this machine's Node 20 binary and npm;
 * PostgreSQL 15 and NGINX: Debian's packages). Each is tagged with the official name, so the real
 * Dockerfile and compose.yaml build and run unchanged with `--pull=never`.
 *
 * Cached between runs: the root filesystem as a tarball in TURNPIKE_CONTAINER_CACHE
 * (/var/tmp/turnpike-container by default) and the images in podman's storage, each labelled with
 * a hash of its recipe and rebuilt only when the recipe (or the host's Node) changes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { imageLabel, podman } from './podman.js';

const run = promisify(execFile);
const STAND_INS_DIR = fileURLToPath(new URL('../stand-ins/', import.meta.url));
const RECIPE_LABEL = 'io.turnpike.stand-in-recipe';
const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = process.env.TURNPIKE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const DEBIAN_IMAGE = 'localhost/turnpike-stand-in/debian:bookworm';
const DEBOOTSTRAP_TIMEOUT_MS = 10 * 60_000;
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** The official names the stand-ins are tagged with (as compose.yaml and the Dockerfile spell them). */
export const OFFICIAL_IMAGES = {
  node: 'docker.io/library/node:20-bookworm-slim',
  postgres: 'docker.io/library/postgres:15-bookworm',
  nginx: 'docker.io/library/nginx:1.26-bookworm',
} as const;

export function containerCacheDir(): string {
  return process.env.TURNPIKE_CONTAINER_CACHE ?? '/var/tmp/turnpike-container';
}

function hashOf(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The Debian minbase root filesystem as a tarball, made once with debootstrap. */
async function debianRootfsTarball(logFile: string): Promise<string> {
  const cache = containerCacheDir();
  const tarball = join(cache, `debian-${DEBIAN_SUITE}-minbase.tar`);
  if (existsSync(tarball)) return tarball;
  await mkdir(cache, { recursive: true });
  const rootfs = await mkdtemp(join(cache, 'rootfs-'));
  try {
    const { stdout, stderr } = await run(
      'debootstrap',
      ['--variant=minbase', DEBIAN_SUITE, rootfs, DEBIAN_MIRROR],
      { timeout: DEBOOTSTRAP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
    await writeLog(logFile, `$ debootstrap --variant=minbase ${DEBIAN_SUITE}\n${stdout}${stderr}`);
    await rm(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    const partial = `${tarball}.partial`;
    await run('tar', ['-C', rootfs, '-cf', partial, '.'], { timeout: DEBOOTSTRAP_TIMEOUT_MS });
    await rename(partial, tarball);
    return tarball;
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

async function writeLog(file: string, text: string): Promise<void> {
  const { appendFile } = await import('node:fs/promises');
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${text}\n`);
}

async function ensureDebianImage(logFile: string): Promise<void> {
  const recipe = hashOf(DEBIAN_SUITE, 'minbase', DEBIAN_MIRROR);
  if ((await imageLabel(DEBIAN_IMAGE, RECIPE_LABEL)) === recipe) return;
  const tarball = await debianRootfsTarball(logFile);
  await podman(
    [
      'import',
      '--change',
      `LABEL ${RECIPE_LABEL}=${recipe}`,
      '--change',
      'CMD ["bash"]',
      tarball,
      DEBIAN_IMAGE,
    ],
    {
      logFile,
      timeoutMs: BUILD_TIMEOUT_MS,
    },
  );
}

async function buildStandIn(
  name: keyof typeof OFFICIAL_IMAGES,
  extraRecipe: string,
  logFile: string,
  prepareContext?: (dir: string) => Promise<void>,
): Promise<void> {
  const source = join(STAND_INS_DIR, name);
  const containerfile = await readFile(join(source, 'Containerfile'));
  const entrypoint = existsSync(join(source, 'docker-entrypoint.sh'))
    ? await readFile(join(source, 'docker-entrypoint.sh'))
    : '';
  const recipe = hashOf(
    containerfile,
    entrypoint,
    extraRecipe,
    (await imageLabel(DEBIAN_IMAGE, RECIPE_LABEL)) ?? '',
  );
  const image = OFFICIAL_IMAGES[name];
  if ((await imageLabel(image, RECIPE_LABEL)) === recipe) return;
  const context = await mkdtemp(join(tmpdir(), `turnpike-stand-in-${name}-`));
  try {
    await cp(source, context, { recursive: true });
    await prepareContext?.(context);
    await podman(
      [
        'build',
        '--pull=never',
        '--format',
        'docker',
        '--label',
        `${RECIPE_LABEL}=${recipe}`,
        '-t',
        image,
        context,
      ],
      { logFile, timeoutMs: BUILD_TIMEOUT_MS },
    );
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** This machine's npm, found beside its Node (…/bin/node → …/lib/node_modules/npm). */
function hostNpmDir(): string {
  const candidates = [
    join(dirname(process.execPath), '../lib/node_modules/npm'),
    '/usr/lib/node_modules/npm',
    '/usr/local/lib/node_modules/npm',
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'bin/npm-cli.js')));
  if (found === undefined) throw new Error(`npm not found beside ${process.execPath}`);
  return found;
}

/**
 * Makes sure the stand-ins for every name in {@link OFFICIAL_IMAGES} exist locally; builds what is
 * missing or stale. Progress goes to `logFile`.
 */
export async function ensureStandInImages(logFile: string): Promise<void> {
  await ensureDebianImage(logFile);
  const npmDir = hostNpmDir();
  const npmVersion = (JSON.parse(await readFile(join(npmDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  await buildStandIn('node', `${process.version} ${npmVersion}`, logFile, async (dir) => {
    await cp(process.execPath, join(dir, 'node'));
    await cp(npmDir, join(dir, 'npm'), { recursive: true });
  });
  await buildStandIn('postgres', '', logFile);
  await buildStandIn('nginx', '', logFile);
}
