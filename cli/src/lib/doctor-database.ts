import { openDatabase, readMigrations } from '@turnpike/payment-portal/storage';
import type { PortalConfig } from '@turnpike/payment-portal';
import { ok, problem, redactUrl, skipped, type DoctorCheck } from './doctor-check.js';

/** Reaches the portal's PostgreSQL (connect timeout), and says whether its migrations are all applied. */
export async function checkDatabase(config: PortalConfig, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'database';
  if (config.database.url === undefined)
    return skipped(name, config.database.dataDir ?? 'memory', 'embedded PGlite: nothing to reach');
  const url = config.database.url.reveal();
  const target = redactUrl(url);
  let db;
  try {
    db = await openDatabase({
      url,
      poolSize: 1,
      connectTimeoutMs: timeoutMs,
      statementTimeoutMs: timeoutMs,
      env: {},
    });
  } catch (err) {
    return problem(
      name,
      target,
      (err as Error).message,
      'check database.url, that PostgreSQL is up and accepts this host',
    );
  }
  try {
    const known = (await readMigrations()).map((m) => m.version);
    let applied: number[] = [];
    try {
      applied = (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) =>
        Number(r.version),
      );
    } catch {
      // No table yet: nothing applied.
    }
    const pending = known.filter((v) => !applied.includes(v));
    if (pending.length > 0)
      return problem(
        name,
        target,
        `reachable, but ${pending.length} migration(s) not applied (${pending.join(', ')})`,
        'run `payment-portal migrate --config <file>` (or start the portal once: it migrates under a lock)',
      );
    return ok(name, target, `reachable, schema current (${known.length} migrations)`);
  } catch (err) {
    return problem(
      name,
      target,
      (err as Error).message,
      'the role in database.url needs SELECT on the portal tables',
    );
  } finally {
    await db.close();
  }
}
