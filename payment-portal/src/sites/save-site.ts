import {
  DEFAULT_SITE_ID,
  firstOverlap,
  REASONS,
  siteInputSchema,
  sitePatchSchema,
  type Site,
  type SiteDefinition,
} from '@turnpike/protocol';
import { PortalError } from '../errors.js';
import { ADVISORY_LOCK_CLASS, type Database, type Transaction } from '../storage/index.js';
import { issuesOf, SiteInvalidError } from './site-errors.js';
import { SITE_COLUMNS, siteFromRow, type SiteRow } from './site-rows.js';

/** Parses a new site's definition, every problem at once. */
export function parseSiteInput(body: unknown): SiteDefinition {
  const parsed = siteInputSchema.safeParse(body);
  if (!parsed.success) throw new SiteInvalidError(issuesOf(parsed.error));
  if (parsed.data.id === DEFAULT_SITE_ID)
    throw new PortalError(
      REASONS.SITE_DEFAULT_READ_ONLY,
      409,
      'the site "default" is the portal config\'s (wallets, branding); it is not stored',
    );
  return parsed.data;
}

/**
 * Refuses host patterns that overlap another enabled site's (409 `site_hosts_overlap`): a host has
 * exactly one site, or a token could open two sites and a 402 could pay the wrong wallet. Called
 * under the sites lock, so two writers cannot both pass the check.
 */
async function assertNoOverlap(tx: Transaction, site: SiteDefinition): Promise<void> {
  if (!site.enabled) return;
  const others = await tx.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites WHERE enabled AND id <> $1 ORDER BY id`,
    [site.id],
  );
  for (const row of others.rows) {
    const overlap = firstOverlap(site.hosts, row.definition.hosts);
    if (overlap !== undefined)
      throw new PortalError(
        REASONS.SITE_HOSTS_OVERLAP,
        409,
        `host pattern "${overlap.pattern}" overlaps "${overlap.other}" of site "${row.id}"`,
      );
  }
}

const lock = (tx: Transaction) =>
  tx.query('SELECT pg_advisory_xact_lock($1::int, 0)', [ADVISORY_LOCK_CLASS.sites]);

function storedDefinition(site: SiteDefinition): string {
  const { id: _id, enabled: _enabled, ...definition } = site;
  return JSON.stringify(definition);
}

/** Stores a new site (409 `site_exists` when the id is taken). */
export async function createSite(db: Database, body: unknown): Promise<Site> {
  const site = parseSiteInput(body);
  return db.transaction(async (tx) => {
    await lock(tx);
    await assertNoOverlap(tx, site);
    const r = await tx.query<SiteRow>(
      `INSERT INTO sites (id, definition, enabled) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO NOTHING RETURNING ${SITE_COLUMNS}`,
      [site.id, storedDefinition(site), site.enabled],
    );
    const row = r.rows[0];
    if (row === undefined)
      throw new PortalError(REASONS.SITE_EXISTS, 409, `site "${site.id}" already exists`);
    return siteFromRow(row);
  });
}

/**
 * Changes a site: the patch is merged over the stored definition and the result validated whole
 * (every problem at once); version and updated_at move. 404 `site_not_found` for an unknown id.
 */
export async function updateSite(db: Database, id: string, body: unknown): Promise<Site> {
  if (id === DEFAULT_SITE_ID)
    throw new PortalError(
      REASONS.SITE_DEFAULT_READ_ONLY,
      409,
      'the site "default" is set in the portal config',
    );
  const patch = sitePatchSchema.safeParse(body);
  if (!patch.success) throw new SiteInvalidError(issuesOf(patch.error));
  return db.transaction(async (tx) => {
    await lock(tx);
    const current = await tx.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    const row = current.rows[0];
    if (row === undefined) throw new PortalError(REASONS.SITE_NOT_FOUND, 404, `no site "${id}"`);
    const merged = { ...row.definition, enabled: row.enabled, ...patch.data, id };
    const site = parseSiteInput(merged);
    await assertNoOverlap(tx, site);
    const r = await tx.query<SiteRow>(
      `UPDATE sites SET definition = $2, enabled = $3, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${SITE_COLUMNS}`,
      [id, storedDefinition(site), site.enabled],
    );
    return siteFromRow(r.rows[0] as SiteRow);
  });
}
