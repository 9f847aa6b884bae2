import pg from 'pg';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

describe('startPostgres (throwaway Debian cluster)', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves SQL on 127.0.0.1 and creates fresh databases', async () => {
    const url = await cluster.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; fsync: string }>("SELECT current_database() AS db, current_setting('fsync') AS fsync");
      expect(rows[0]?.db).toBe(new URL(url).pathname.slice(1));
      expect(rows[0]?.fsync).toBe('off');
    } finally {
      await client.end();
    }
  });
});
