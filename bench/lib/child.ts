/**
 * Bench servers run as child processes (so the load generator does not share their event
 * loop and their RSS can be read). A child prints one JSON line `{"ready":true,...}` on stdout
 * once it listens.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface BenchChild<T> {
  pid: number;
  info: T;
  /** Resident set size of the child now, in MiB (from /proc). */
  rssMiB(): number;
  /** CPU time (user + system) the child has used so far, in ms (from /proc, clock-tick resolution). */
  cpuMs(): number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux unless told otherwise). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

export async function startChild<T>(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  /** Node flags before the loader (e.g. --max-old-space-size=64). */
  nodeArgs: string[] = [],
): Promise<BenchChild<T>> {
  const child: ChildProcess = spawn(
    process.execPath,
    // Children are plain JavaScript on the built packages: a TypeScript loader in the measured
    // process would add its own memory and start-up to every figure.
    [...nodeArgs, script, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000);
  });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} not ready after ${READY_TIMEOUT_MS} ms\n${stderr}`)),
      READY_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as { ready?: boolean } & T;
        if (parsed.ready) {
          clearTimeout(timer);
          resolve(parsed);
        }
      } catch {
        // a log line, not the ready line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}\n${stderr}`));
    });
  });
  const pid = child.pid!;
  return {
    pid,
    info,
    rssMiB() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN);
      return kb / 1024;
    },
    cpuMs() {
      // Fields after the command name (which may hold spaces, hence the last ')'): utime, stime are 14, 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
