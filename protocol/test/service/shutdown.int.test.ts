import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { killAll, spawnTracked, type TrackedProcess } from '../../../tests/support/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-server.ts', import.meta.url));

function startServer(env: Record<string, string>): TrackedProcess {
  return spawnTracked(process.execPath, ['--conditions=source', '--import', 'tsx', FIXTURE], {
    env: { ...process.env, ...env },
  });
}

async function waitForOutput(
  proc: TrackedProcess,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = proc.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline || proc.child.exitCode !== null)
      throw new Error(`no ${pattern} in output:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

afterAll(async () => {
  await killAll();
});

describe('installGracefulShutdown (real child process)', () => {
  it('on SIGTERM lets the in-flight request finish, refuses new connections, runs onClose and exits 0', async () => {
    const proc = startServer({ SLOW_MS: '1500' });
    const port = Number((await waitForOutput(proc, /LISTENING (\d+)/))[1]);

    const inFlight = get(port, '/slow');
    await waitForOutput(proc, /REQUEST_STARTED/);
    proc.child.kill('SIGTERM');

    // The listener is closed in the same tick as this log line is written.
    await waitForOutput(proc, /shutting down/);
    await expect(get(port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await expect(inFlight).resolves.toEqual({ status: 200, body: 'slow done' });
    await expect(proc.exited).resolves.toBe(0);
    expect(proc.output()).toMatch(/REQUEST_STARTED\n[\s\S]*ON_CLOSE\n/);
  });

  it('cuts a request that outlives the timeout and still exits 0', async () => {
    const proc = startServer({ SLOW_MS: '30000', SHUTDOWN_TIMEOUT_MS: '300' });
    const port = Number((await waitForOutput(proc, /LISTENING (\d+)/))[1]);
    const inFlight = get(port, '/slow');
    await waitForOutput(proc, /REQUEST_STARTED/);
    proc.child.kill('SIGTERM');
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(proc.exited).resolves.toBe(0);
    expect(proc.output()).toContain('ON_CLOSE');
  });
});
