/**
 * One Turnpike service as its own OS process, started from its TypeScript sources the way
 * `npm start` runs TypeScript (`node --import tsx --conditions=source <main.ts> --config <file>`),
 * so a test can SIGKILL one replica and leave the others running.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/ports.js';
import { spawnTracked, type TrackedProcess } from '../support/processes.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const MAIN = {
  authz: 'authz-service/src/main.ts',
  portal: 'payment-portal/src/main.ts',
} as const;
const READY_POLL_MS = 200;
const READY_CALL_TIMEOUT_MS = 2_000;
const PORT_ATTEMPTS = 3;

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

/** True when a process's output says its listener's port was taken (the freePort race). */
export function lostPortRace(output: string): boolean {
  return /EADDRINUSE|Address already in use/.test(output);
}

export interface StartOnFreePortsOptions extends Omit<StartServiceOptions, 'config'> {
  /** How many listener ports the service needs. */
  ports: number;
  /** Ports for the first attempt (already written into a gateway's config); fresh ones if absent. */
  firstPorts?: readonly number[];
  config(ports: readonly number[]): object;
  /** The URL that answers 200 once the service is up. */
  readyUrl(ports: readonly number[]): string;
  timeoutMs: number;
  /** Called before a retry with new ports (e.g. to point a gateway at them). */
  onNewPorts?(ports: readonly number[]): Promise<void>;
}

/**
 * Spawns a service on ports picked just before (freePort) and waits until it is up. A port can be
 * taken by someone else between the pick and the service's listen (it starts slowly: tsx compiles
 * it first); then it tries again on new ports, up to three times.
 */
export async function startOnFreePorts(
  opts: StartOnFreePortsOptions,
): Promise<{ service: ServiceProcess; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports =
      attempt === 1 && opts.firstPorts !== undefined
        ? [...opts.firstPorts]
        : await Promise.all(Array.from({ length: opts.ports }, () => freePort()));
    if (attempt > 1) await opts.onNewPorts?.(ports);
    const service = await spawnService({ ...opts, config: opts.config(ports) });
    try {
      await waitReady(service, opts.readyUrl(ports), opts.timeoutMs);
      return { service, ports };
    } catch (err) {
      await service.proc.stop(1_000);
      if (attempt >= PORT_ATTEMPTS || !lostPortRace(service.proc.output())) throw err;
    }
  }
}
