import { siteInputSchema, type Site, type SiteDefinition } from '@turnpike/protocol';
import type { Queryable } from '../storage/index.js';

/** A `sites` row. */
export interface SiteRow {
  id: string;
  definition: Omit<SiteDefinition, 'id' | 'enabled'>;
  enabled: boolean;
  version: string;
  created_at: Date;
  updated_at: Date;
}

export const SITE_COLUMNS = 'id, definition, enabled, version, created_at, updated_at';

/**
 * A row as the admin API shows it. The stored definition was validated when written; it is parsed
 * again here so a row edited by hand cannot reach a cache in a shape nothing checked.
 */
export function siteFromRow(row: SiteRow): Site {
  const definition = siteInputSchema.parse({ ...row.definition, id: row.id, enabled: row.enabled });
  return {
    ...definition,
    version: Number(row.version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Every stored site, by id. */
export async function listSites(db: Queryable): Promise<Site[]> {
  const r = await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites ORDER BY id`);
  return r.rows.map(siteFromRow);
}

/** One stored site, or undefined. */
export async function getSite(db: Queryable, id: string): Promise<Site | undefined> {
  const r = await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1`, [id]);
  const row = r.rows[0];
  return row === undefined ? undefined : siteFromRow(row);
}

/**
 * What names the stored list: the row count and the sum of the versions (each change adds to it,
 * rows are never deleted). One aggregate over a small table: the replicas poll it every second.
 */
export async function sitesFingerprint(db: Queryable): Promise<string> {
  const r = await db.query<{ n: string; v: string }>(
    'SELECT count(*)::text AS n, coalesce(sum(version), 0)::text AS v FROM sites',
  );
  const row = r.rows[0];
  return `${row?.n ?? '0'}.${row?.v ?? '0'}`;
}
