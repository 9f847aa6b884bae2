/**
 * Runs podman the way this machine needs it: always with runc (crun fails on its cgroups) and
 * never raising rlimits (`default_ulimits = []` in /etc/containers/containers.conf, written by
 * scripts/test-deps). Long outputs (image builds) go to a log file under test-artifacts/.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export const PODMAN_RUNTIME = 'runc';
const DEFAULT_TIMEOUT_MS = 120_000;
const KEPT_OUTPUT_CHARS = 4_000;

/** podman exited non-zero (or timed out); carries the tail of what it printed. */
export class PodmanError extends Error {
  readonly code = 'PODMAN_FAILED';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`podman ${args.slice(0, 4).join(' ')} … exited ${exitCode}: ${output.slice(-KEPT_OUTPUT_CHARS)}`);
    this.name = 'PodmanError';
  }
}

export interface PodmanOptions {
  timeoutMs?: number;
  /** Append stdout and stderr to this file instead of keeping them (stdout is still returned). */
  logFile?: string;
  /** Resolve with the result even when podman exits non-zero. */
  allowFailure?: boolean;
  /** podman's environment (`-e NAME` without a value reads NAME from it). */
  env?: NodeJS.ProcessEnv;
}

export interface PodmanResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** `podman --runtime runc <args>`; throws {@link PodmanError} unless `allowFailure`. */
export async function podman(args: readonly string[], opts: PodmanOptions = {}): Promise<PodmanResult> {
  const log = opts.logFile === undefined ? undefined : await openLog(opts.logFile, args);
  return new Promise((resolve, reject) => {
    const child = spawn('podman', ['--runtime', PODMAN_RUNTIME, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      log?.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-64_000);
      log?.write(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      log?.end();
      const result = { exitCode, stdout, stderr };
      if (exitCode === 0 || opts.allowFailure === true) resolve(result);
      else reject(new PodmanError(args, exitCode, `${stdout.slice(-KEPT_OUTPUT_CHARS)}${stderr}`));
    });
  });
}

async function openLog(file: string, args: readonly string[]) {
  await mkdir(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  stream.write(`\n$ podman --runtime ${PODMAN_RUNTIME} ${args.join(' ')}\n`);
  return stream;
}

/** True when an image with this name exists locally. */
export async function imageExists(name: string): Promise<boolean> {
  return (await podman(['image', 'exists', name], { allowFailure: true })).exitCode === 0;
}

/** A label of a local image, or undefined (no image or no such label). */
export async function imageLabel(name: string, label: string): Promise<string | undefined> {
  if (!(await imageExists(name))) return undefined;
  const { stdout } = await podman(['image', 'inspect', '--format', '{{json .Labels}}', name]);
  const labels = JSON.parse(stdout.trim() || 'null') as Record<string, string> | null;
  return labels?.[label];
}
