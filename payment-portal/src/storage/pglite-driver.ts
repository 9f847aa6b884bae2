import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import { StorageError, toStorageError, transactionError } from './errors.js';
import { Mutex } from './mutex.js';
import type { Database, QueryResult, Transaction, TransactionOptions } from './types.js';

type PgliteQueryable = Pick<PGlite, 'query'>;

async function run<T>(target: PgliteQueryable, sql: string, params?: unknown[]): Promise<QueryResult<T>> {
  try {
    const result = await target.query<T>(sql, params);
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  } catch (err) {
    throw toStorageError(err);
  }
}

// pg returns int8 as a decimal string; PGlite would return a JS bigint. Match pg so callers see
// one shape (numeric is a string on both).
const PARSERS = { [types.INT8]: (value: string) => value };

/**
 * `TURNPIKE_PGLITE_TEMPLATE`: a file holding an empty cluster (docs/storage.md). An in-memory
 * PGlite starts by running initdb in WebAssembly (~3 s of CPU on a loaded 2-core machine); loaded
 * from this file it starts in a fraction of that. The test suite sets it (jest.config.js), since it
 * opens hundreds of in-memory databases.
 */
export const PGLITE_TEMPLATE_ENV = 'TURNPIKE_PGLITE_TEMPLATE';

/**
 * An in-memory PGlite: from the template file when one is named and present; without one, a fresh
 * initdb, whose empty cluster is then written to the named file (to a private name, then renamed,
 * so a concurrent reader sees a whole file or none) before anything else is stored in it.
 */
async function createInMemory(template: string | undefined): Promise<PGlite> {
  if (!template) return PGlite.create({ parsers: PARSERS });
  const saved = await readFile(template).catch(() => undefined);
  if (saved !== undefined) return PGlite.create({ loadDataDir: new Blob([saved]), parsers: PARSERS });
  const fresh = await PGlite.create({ parsers: PARSERS });
  const dump = Buffer.from(await (await fresh.dumpDataDir('none')).arrayBuffer());
  const partial = `${template}.${process.pid}.${randomUUID()}`;
  await writeFile(partial, dump, { mode: 0o600 })
    .then(() => rename(partial, template))
    .catch(() => rm(partial, { force: true }));
  return fresh;
}

/**
 * The in-process PGlite driver. PGlite is one PostgreSQL backend behind one connection, so two
 * transactions cannot be open at once: a second BEGIN would join the first one's transaction and
 * their statements would interleave. Every query and transaction therefore runs under one
 * in-process FIFO mutex, which makes concurrent `transaction()` calls run one after the other
 * (row locks, SKIP LOCKED and advisory locks then have nothing to contend with, and the results
 * match PostgreSQL's for our statements). It is for a single portal process; replicas need `pg`.
 */
export async function openPglite(opts: { dataDir?: string | undefined }): Promise<Database> {
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  let pglite: PGlite;
  try {
    pglite = opts.dataDir
      ? await PGlite.create({ dataDir: opts.dataDir, parsers: PARSERS })
      : await createInMemory(process.env[PGLITE_TEMPLATE_ENV]);
  } catch (err) {
    throw new StorageError(
      'connection_failed',
      `cannot open PGlite${opts.dataDir ? ` at ${opts.dataDir}` : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const mutex = new Mutex();
  const inTransaction = new AsyncLocalStorage<boolean>();

  const guard = (): void => {
    if (inTransaction.getStore()) {
      throw new StorageError(
        'nested_query',
        'query on the database inside transaction(): use the transaction handle',
      );
    }
  };

  return {
    driver: 'pglite',
    query<T>(sql: string, params?: unknown[]) {
      guard();
      return mutex.run(() => run<T>(pglite, sql, params));
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>, txOpts?: TransactionOptions): Promise<T> {
      guard();
      return mutex.run(() =>
        inTransaction.run(true, async () => {
          try {
            return await pglite.transaction(async (ptx) => {
              if (txOpts?.isolation)
                await run(ptx, `SET TRANSACTION ISOLATION LEVEL ${txOpts.isolation.toUpperCase()}`);
              const tx: Transaction = {
                query: (sql, params) => run(ptx, sql, params),
                exec: async (sql) => {
                  try {
                    await ptx.exec(sql);
                  } catch (err) {
                    throw toStorageError(err);
                  }
                },
              };
              return fn(tx);
            });
          } catch (err) {
            throw transactionError(err);
          }
        }),
      );
    },
    close: () => mutex.run(() => pglite.close()),
  };
}
