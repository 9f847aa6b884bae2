/**
 * Every table's row count in a database (the portal's, on PostgreSQL or PGlite), for checking that
 * something wrote nothing: `DESIGN` invariant 6, no 402 writes a row. Tables are listed from the
 * catalogue, so a table added by a later migration is counted without touching this file.
 */

/** A database, a pg client or an open transaction: anything that runs one SQL statement. */
export interface RowCountSource {
  query<T>(sql: string): Promise<{ rows: T[] }>;
}

/** `{ "<schema>.<table>": rows }` for every ordinary table outside PostgreSQL's own schemas. */
export async function countRows(db: RowCountSource): Promise<Record<string, number>> {
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY table_schema, table_name`,
  );
  if (tables.rows.length === 0) throw new Error('countRows: the database has no tables');
  const counts: Record<string, number> = {};
  for (const { schema, name } of tables.rows) {
    const quoted = `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"`;
    const result = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${quoted}`);
    counts[`${schema}.${name}`] = Number(result.rows[0]?.n);
  }
  return counts;
}

/** The tables whose count differs between two snapshots (a table present in only one counts). */
export function changedCounts(
  before: Record<string, number>,
  after: Record<string, number>,
): Array<{ table: string; before: number | undefined; after: number | undefined }> {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables]
    .filter((t) => before[t] !== after[t])
    .map((t) => ({ table: t, before: before[t], after: after[t] }));
}
