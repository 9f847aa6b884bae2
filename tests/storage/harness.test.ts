import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startPostgres (throwaway Debian cluster)', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves SQL on 127.0.0.1 with durability off and creates fresh databases', async () => {
    const url = await cluster.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; fsync: string; sync: string; addr: string }>(
        "SELECT current_database() AS db, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync, current_setting('listen_addresses') AS addr",
      );
      expect(rows[0]).toEqual({
        db: new URL(url).pathname.slice(1),
        fsync: 'off',
        sync: 'off',
        addr: '127.0.0.1',
      });
    } finally {
      await client.end();
    }
  });

  it('stop() shuts the server down and removes its files', async () => {
    const other = await startPostgres();
    const client = new pg.Client({ connectionString: other.url });
    await client.connect();
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    await client.end();
    const dataDir = rows[0]?.dir as string;
    expect(existsSync(dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(dataDir)).toBe(false);
    expect(await portOpen(other.port)).toBe(false);
  });
});
