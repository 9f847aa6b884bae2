import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('payment-portal CLI', () => {
  it('exits with status 2 and lists every configuration problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portal-cli-'));
    try {
      const file = join(dir, 'portal.yaml');
      await writeFile(file, 'issuer: nope\ndatabase: { memory: true }\n');
      const err = (await run(
        join(ROOT, 'node_modules/.bin/tsx'),
        ['--conditions=source', MAIN, '--config', file],
        { cwd: ROOT, timeout: 30_000 },
      ).catch((e: unknown) => e)) as {
        code: number;
        stderr: string;
      };
      expect(err.code).toBe(2);
      expect(err.stderr).toContain('invalid configuration');
      expect(err.stderr).toContain('issuer');
      expect(err.stderr).toContain('listeners: required');
      expect(err.stderr).toContain('tokens: required');
      expect(err.stderr).not.toContain('at ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
