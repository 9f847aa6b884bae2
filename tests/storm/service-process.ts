/**
 * One Turnpike service as its own OS process, started from its TypeScript sources the way
 * `npm start` runs TypeScript (`node --import tsx --conditions=source <main.ts> --config <file>`),
 * so a test can SIGKILL one replica and leave the others running.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { spawnTracked, type TrackedProcess } from '../support/processes.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const MAIN = {
  authz: 'authz-service/src/main.ts',
  portal: 'payment-portal/src/main.ts',
} as const;
const READY_POLL_MS = 200;
const READY_CALL_TIMEOUT_MS = 2_000;

export type ServiceKind = keyof typeof MAIN;

export interface ServiceProcess {
  kind: ServiceKind;
  name: string;
  proc: TrackedProcess;
  /** Sends SIGKILL (no shutdown hook runs) and resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface StartServiceOptions {
  kind: ServiceKind;
  /** For messages: `authz-1`, `portal-3`. */
  name: string;
  /** The configuration, written as YAML to `<dir>/<name>.yaml`. Secrets as `{fromEnv}` only. */
  config: object;
  dir: string;
  /** The secrets the config names with `fromEnv`. */
  env: Record<string, string>;
}

/** Writes the config, spawns the service; resolves once the process runs (not yet ready). */
export async function spawnService(opts: StartServiceOptions): Promise<ServiceProcess> {
  const file = path.join(opts.dir, `${opts.name}.yaml`);
  await writeFile(file, stringify(opts.config), { mode: 0o600 });
  const proc = spawnTracked(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', MAIN[opts.kind], '--config', file],
    { cwd: REPO, env: { ...process.env, ...opts.env } },
  );
  return {
    kind: opts.kind,
    name: opts.name,
    proc,
    async kill() {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
  };
}

/** Polls `url` until it answers 200; fails early when the process exits, with its output. */
export async function waitReady(service: ServiceProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.proc.exited.then(() => {
    exited = true;
  });
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited while starting:\n${service.proc.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(READY_CALL_TIMEOUT_MS) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new Error(
    `${service.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${service.proc.output()}`,
  );
}
