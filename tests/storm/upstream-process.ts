/** Starts upstream-main.ts in its own process and reads back what the app saw. */
import path from 'node:path';
import { z } from 'zod';
import { spawnTracked, type TrackedProcess } from '../support/processes.js';
import type { PaymentRequestWireJson } from '../support/upstream.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 30_000;
const CONTROL_TIMEOUT_MS = 5_000;

const recordedSchema = z.array(z.object({ method: z.string(), url: z.string(), probe: z.boolean() }));
export type UpstreamRequest = z.infer<typeof recordedSchema>[number];

export interface UpstreamProcess {
  /** host:port of the app */
  address: string;
  baseUrl: string;
  /** The requests the app saw that were not the authorizer's probes. */
  appRequests(): Promise<UpstreamRequest[]>;
  proc: TrackedProcess;
}

export async function startUpstreamProcess(price: PaymentRequestWireJson): Promise<UpstreamProcess> {
  const proc = spawnTracked(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      'tests/storm/upstream-main.ts',
      Buffer.from(JSON.stringify(price)).toString('base64'),
    ],
    { cwd: REPO },
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  let match: RegExpExecArray | null = null;
  while ((match = /upstream (\d+) (\d+)/.exec(proc.output())) === null) {
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`the upstream did not start:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, port, controlPort] = match;
  return {
    address: `127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}`,
    proc,
    async appRequests() {
      const res = await fetch(`http://127.0.0.1:${controlPort}/recorded`, {
        signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
      });
      return recordedSchema.parse(await res.json()).filter((r) => !r.probe);
    },
  };
}
