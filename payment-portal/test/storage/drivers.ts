// The two storage drivers as test subjects: each suite runs once per driver.
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { openDatabase, type Database } from '../../src/storage/index.js';

export interface DriverHarness {
  name: 'pglite' | 'pg';
  /** A fresh, empty database. */
  open(): Promise<Database>;
  stop(): Promise<void>;
}

/** In-memory PGlite: a new instance per open(). */
export function pgliteHarness(): DriverHarness {
  const opened: Database[] = [];
  return {
    name: 'pglite',
    async open() {
      const db = await openDatabase({ memory: true });
      opened.push(db);
      return db;
    },
    async stop() {
      await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
    },
  };
}

/** A throwaway PostgreSQL cluster (started on first use): a new database per open(). */
export function pgHarness(): DriverHarness {
  let cluster: Promise<TestPostgres> | undefined;
  const opened: Database[] = [];
  return {
    name: 'pg',
    async open() {
      cluster ??= startPostgres();
      const url = await (await cluster).createDatabase();
      const db = await openDatabase({ url, poolSize: 10 });
      opened.push(db);
      return db;
    },
    async stop() {
      await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
      if (cluster) await (await cluster).stop();
    },
  };
}
