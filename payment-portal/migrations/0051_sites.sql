-- Sites (docs/sites.md): tenants of one Turnpike, managed through the admin API. The config-file
-- site 'default' is not stored here (it lives in the portal's config); every other site is one row.
-- The definition (hosts, upstream, wallets, accepted networks/assets, branding, token lifetime,
-- limits) is validated by the portal's zod schema before it is written; enabled and version are
-- columns because the replicas' caches poll them.
CREATE TABLE sites (
  id          text PRIMARY KEY
    CONSTRAINT sites_id_check CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$' AND id <> 'default'),
  definition  jsonb NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  -- Moves on every change: count(*) and sum(version) name the whole list, so a replica polls
  -- one cheap aggregate and reloads only when it moved.
  version     bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
