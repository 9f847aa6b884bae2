/** Where a command reads and writes; tests pass their own to capture output in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input (the mnemonic when no --mnemonic-file is given). */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
  };
}
