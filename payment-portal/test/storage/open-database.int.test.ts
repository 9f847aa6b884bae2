import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../tests/support/ports.js';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import {
  StorageError,
  getCursor,
  advanceCursor,
  migrate,
  openDatabase,
  type Database,
} from '../../src/storage/index.js';

const toClose: Database[] = [];
let cluster: TestPostgres | undefined;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'turnpike-pglite-'));
});
afterAll(async () => {
  await Promise.all(toClose.map((db) => db.close().catch(() => undefined)));
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function open(opts: Parameters<typeof openDatabase>[0]): Promise<Database> {
  const db = await openDatabase(opts);
  toClose.push(db);
  return db;
}

describe('openDatabase driver choice', () => {
  it('uses PGlite on disk under dataDir, and the data survives a reopen', async () => {
    const dataDir = join(dir, 'data');
    const first = await openDatabase({ dataDir, env: {} });
    expect(first.driver).toBe('pglite');
    await migrate(first);
    await advanceCursor(first, { network: 'anvil', expectedBlock: null, toBlock: 42n });
    await first.close();

    const second = await open({ dataDir, env: {} });
    expect((await migrate(second)).applied).toEqual([]);
    expect((await getCursor(second, 'anvil'))?.lastBlock).toBe(42n);
  });

  it('uses pg when DATABASE_URL is set, unless memory is asked for explicitly', async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    expect((await open({ dataDir: join(dir, 'unused'), env: { DATABASE_URL: url } })).driver).toBe('pg');
    expect((await open({ url })).driver).toBe('pg');
    expect((await open({ memory: true, env: { DATABASE_URL: url } })).driver).toBe('pglite');
  });

  it('refuses to guess when given nothing', async () => {
    await expect(openDatabase({ env: {} })).rejects.toThrow(TypeError);
  });

  it('reports an unreachable server as connection_failed', async () => {
    const port = await freePort();
    const err = await openDatabase({
      url: `postgresql://nobody@127.0.0.1:${port}/none`,
      connectTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ code: 'connection_failed' });
  });
});

describe('PGlite serialisation', () => {
  let db: Database;
  beforeAll(async () => {
    db = await open({ memory: true });
    await db.query('CREATE TABLE marks (who text)');
  });

  it("keeps concurrent transactions apart: one's rollback never takes the other's writes with it", async () => {
    const failing = db.transaction(async (tx) => {
      await tx.query("INSERT INTO marks VALUES ('failing')");
      await new Promise((r) => setTimeout(r, 30));
      throw new Error('roll me back');
    });
    const committing = db.transaction(async (tx) => {
      await tx.query("INSERT INTO marks VALUES ('committing')");
    });
    const plain = db.query("INSERT INTO marks VALUES ('plain')");
    await expect(failing).rejects.toThrow('roll me back');
    await committing;
    await plain;
    const { rows } = await db.query<{ who: string }>('SELECT who FROM marks ORDER BY who');
    expect(rows.map((r) => r.who)).toEqual(['committing', 'plain']);
  });

  it('refuses a query on the database from inside its own transaction instead of deadlocking', async () => {
    const err = await db.transaction(async () => db.query('SELECT 1')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'nested_query' });
  });
});
