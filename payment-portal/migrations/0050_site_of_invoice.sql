-- Sites (docs/sites.md): every invoice belongs to one site. The config-file site, the zero-setup
-- default, is named 'default', so existing invoices, their payments and redemptions (which join
-- invoices) stay counted under it.
ALTER TABLE invoices ADD COLUMN site_id text NOT NULL DEFAULT 'default'
  CONSTRAINT invoices_site_id_check CHECK (site_id ~ '^[a-z0-9][a-z0-9-]{0,62}$');

-- Revenue and the dashboard read per site over time.
CREATE INDEX invoices_by_site_created ON invoices (site_id, created_at);
