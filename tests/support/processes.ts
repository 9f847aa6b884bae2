import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface TrackedProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far (for error messages). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const tracked = new Set<TrackedProcess>();
const MAX_OUTPUT_CHARS = 200_000;

/**
 * Spawns a process the harness must clean up: it is remembered until it exits, and
 * {@link killAll} stops every one still running (call it in afterAll). Output is captured.
 */
export function spawnTracked(cmd: string, args: readonly string[], opts: SpawnOptions = {}): TrackedProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolve) => {
    child.on('error', (err) => {
      append(Buffer.from(`\n[spawn error] ${err.message}\n`));
      resolve('spawn_error');
    });
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const proc: TrackedProcess = {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
  tracked.add(proc);
  void exited.then(() => tracked.delete(proc));
  return proc;
}

/** Stops every tracked process that is still running. */
export async function killAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...tracked].map((p) => p.stop(graceMs)));
}
