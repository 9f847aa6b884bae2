-- Price models (docs/credits.md): a `per-request` or `credits` resource's token holds a balance,
-- spent per allowed request by the authorizers, which lease small blocks of it.

-- The price an invoice was opened under: null for a pass (the default, unchanged), else
-- {"model": "per-request"|"credits", "credits": "<what one payment buys>", "cost": "<per request>"}.
ALTER TABLE invoices ADD COLUMN pricing jsonb
  CONSTRAINT invoices_pricing_check CHECK (pricing IS NULL OR pricing->>'model' IN ('per-request', 'credits'));

-- One balance per metered token (its jti). `remaining` is what no authorizer holds yet; what a
-- lease holds is in credit_leases until it is spent or returned. Amounts are numeric(78,0), read as
-- bigint.
CREATE TABLE credit_balances (
  token_jti  text PRIMARY KEY,
  invoice_id text REFERENCES invoices (id) ON DELETE SET NULL,
  model      text NOT NULL CONSTRAINT credit_balances_model_check CHECK (model IN ('per-request', 'credits')),
  total      numeric(78, 0) NOT NULL CHECK (total > 0),
  remaining  numeric(78, 0) NOT NULL CHECK (remaining >= 0),
  CONSTRAINT credit_balances_remaining_le_total CHECK (remaining <= total),
  expires_at timestamptz NOT NULL,
  -- The size of the latest lease: set by the same UPDATE that takes it from `remaining` (both read the
  -- row as it was), so one statement both takes LEAST(remaining, want) and says how much it took.
  last_lease numeric(78, 0) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The dashboard's "open credit balances".
CREATE INDEX credit_balances_open ON credit_balances (expires_at) WHERE remaining > 0;

-- A block of credit taken from a balance by one authorizer. Returned (deleted, its unused part added
-- back) on idle or shutdown; one never returned is kept as spent (docs/credits.md: a crash costs the
-- payer at most the unspent part of the blocks it held).
CREATE TABLE credit_leases (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  token_jti  text NOT NULL REFERENCES credit_balances (token_jti) ON DELETE CASCADE,
  amount     numeric(78, 0) NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX credit_leases_by_token ON credit_leases (token_jti);

-- Every path that grants an invoice's token (watcher, pay page, proofs, x402, MPP, Solana) sets
-- invoices.token_jti; the balance is opened in the same transaction, whichever path it was.
CREATE FUNCTION open_credit_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.pricing IS NOT NULL AND NEW.token_jti IS NOT NULL AND NEW.token_expires_at IS NOT NULL
     AND (TG_OP = 'INSERT' OR OLD.token_jti IS DISTINCT FROM NEW.token_jti) THEN
    INSERT INTO credit_balances (token_jti, invoice_id, model, total, remaining, expires_at)
    VALUES (NEW.token_jti, NEW.id, NEW.pricing->>'model', (NEW.pricing->>'credits')::numeric,
            (NEW.pricing->>'credits')::numeric, NEW.token_expires_at)
    ON CONFLICT (token_jti) DO NOTHING;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invoices_open_credit_balance
  AFTER INSERT OR UPDATE OF token_jti ON invoices
  FOR EACH ROW EXECUTE FUNCTION open_credit_balance();

-- The free tier: free requests used per (site, resource scope, payer, period), counted exactly by
-- one upsert per request across replicas. Rows expire with their period (retention deletes them).
CREATE TABLE free_tier_counts (
  site_id      text NOT NULL,
  scope        text NOT NULL,
  payer        text NOT NULL,
  period_start timestamptz NOT NULL,
  used         integer NOT NULL CHECK (used >= 0),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (site_id, scope, payer, period_start)
);
CREATE INDEX free_tier_counts_by_expiry ON free_tier_counts (expires_at);
