/**
 * The soak's subject: `npm start`'s dev stack (scripts/dev/stack.ts) in its own Node process, so
 * the load generator's memory is not in its figures. The portal, the authorizer, the demo app and
 * the Express gateway run in this one process, as in `npm start`; anvil is its child.
 *
 * Prints one `{"ready":true,...}` line once up (with anvil's pid, found under /proc), then one
 * `{"mem":{...}}` line (process.memoryUsage, bytes) every SOAK_MEM_EVERY_MS; stops on SIGTERM.
 * Run with --expose-gc: a full collection just before each report makes heapUsed the retained
 * heap (what a leak grows), not a point on V8's sawtooth.
 *   argv: <gateway port> <data dir>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startDevStack } from '../../scripts/dev/stack.js';

const [portArg, dataDir] = process.argv.slice(2);
const every = Number(process.env.SOAK_MEM_EVERY_MS ?? 5_000);

/** Child processes of this one, by command name (from /proc/<pid>/stat and comm). */
function childrenNamed(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name)
        found.push(Number(entry));
    } catch {
      // the process ended while /proc was read
    }
  }
  return found;
}

async function main(): Promise<void> {
  if (!portArg || !dataDir) throw new Error('usage: serve-stack.ts <gateway port> <data dir>');
  const stack = await startDevStack({ dataDir, gatewayPort: Number(portArg), logLevel: 'error' });
  const anvilPids = childrenNamed('anvil');
  if (anvilPids.length !== 1) throw new Error(`expected one anvil child, found ${anvilPids.length}`);
  const stop = () => {
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const gc = (globalThis as { gc?: () => void }).gc;
  setInterval(() => {
    gc?.();
    process.stdout.write(`${JSON.stringify({ mem: process.memoryUsage() })}\n`);
  }, every);
  process.stdout.write(
    `${JSON.stringify({
      ready: true,
      url: stack.url,
      rpcUrl: stack.rpcUrl,
      usdcAddress: stack.usdcAddress,
      anvilPid: anvilPids[0],
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
