import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { killAll, spawnTracked, type TrackedProcess } from '../../../tests/support/processes.js';
import { readMigrations, type MigrateResult } from '../../src/storage/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/migrate-once.ts', import.meta.url));
const ROUNDS = 3;

let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await killAll();
  await cluster?.stop();
});

async function waitFor(proc: TrackedProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = proc.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline || proc.child.exitCode !== null)
      throw new Error(`no ${pattern}; output:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('migrate from two processes at once (real PostgreSQL)', () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'round %i: both succeed and every migration is applied exactly once',
    async () => {
      const url = await cluster.createDatabase();
      const replicas = [0, 1].map(() =>
        spawnTracked(process.execPath, ['--conditions=source', '--import', 'tsx', FIXTURE, url], {
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      );
      await Promise.all(replicas.map((p) => waitFor(p, /READY/)));
      for (const p of replicas) p.child.stdin?.write('GO\n');

      const codes = await Promise.all(replicas.map((p) => p.exited));
      expect({ codes, output: codes.some((c) => c !== 0) ? replicas.map((p) => p.output()) : [] }).toEqual({
        codes: [0, 0],
        output: [],
      });
      const results = await Promise.all(
        replicas.map(
          async (p) => JSON.parse((await waitFor(p, /RESULT (.*)/))[1] as string) as MigrateResult,
        ),
      );

      const versions = (await readMigrations()).map((m) => m.version);
      // Between them the two replicas applied each version once; neither applied one twice.
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(versions);

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const recorded = await client.query<{ version: number; n: string }>(
          'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
        );
        expect(recorded.rows).toEqual(versions.map((version) => ({ version, n: '1' })));
        const tables = await client.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_class WHERE relname = 'redemptions' AND relkind = 'r'",
        );
        expect(tables.rows[0]?.n).toBe('1');
      } finally {
        await client.end();
      }
    },
  );
});
