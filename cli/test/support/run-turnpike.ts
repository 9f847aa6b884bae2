/** Runs the CLI in-process (runCli with a captured io), as the bin does with the process's own. */
import { runCli } from '../../src/program.js';

export interface TurnpikeRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for runs with --json). */
  json<T = Record<string, unknown>>(): T;
}

export async function turnpike(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<TurnpikeRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
    readStdin: async () => opts.stdin ?? '',
    env: opts.env ?? {},
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}
