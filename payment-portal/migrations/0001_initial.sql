-- Turnpike payment-portal: first schema. Amounts are atomic units in numeric(78,0) (fits any
-- uint256); block numbers are bigint. Addresses are stored in their canonical form (EVM:
-- lower-case hex; Solana: base58 as is) so the unique constraints compare like with like.

CREATE TABLE invoices (
  id                text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  host              text NOT NULL,
  resource          text NOT NULL,
  original_uri      text NOT NULL,
  claims            jsonb NOT NULL DEFAULT '{}'::jsonb,
  token_lifetime_ms bigint NOT NULL CHECK (token_lifetime_ms > 0),
  request_digest    text NOT NULL,
  description       text,
  status            text NOT NULL DEFAULT 'pending'
                    CONSTRAINT invoices_status_check
                    CHECK (status IN ('pending', 'seen', 'confirming', 'paid', 'redeemed', 'expired')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  paid_at           timestamptz,
  client_ip         text,
  customization     jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- Expiry sweeps and the watchers' "what is still open" query.
CREATE INDEX invoices_open_by_expiry ON invoices (expires_at) WHERE status IN ('pending', 'seen', 'confirming');
-- Per-client rate limiting of invoice creation.
CREATE INDEX invoices_by_client_ip ON invoices (client_ip, created_at);

CREATE TABLE invoice_offers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  invoice_id      text NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
  network         text NOT NULL,
  asset_symbol    text NOT NULL,
  asset_kind      text NOT NULL CONSTRAINT invoice_offers_asset_kind_check CHECK (asset_kind IN ('native', 'erc20', 'spl')),
  asset_address   text,
  decimals        integer NOT NULL CHECK (decimals BETWEEN 0 AND 36),
  amount_atomic   numeric(78, 0) NOT NULL CHECK (amount_atomic > 0),
  pay_to          text NOT NULL,
  received_atomic numeric(78, 0) NOT NULL DEFAULT 0 CHECK (received_atomic >= 0),
  -- One receive address is one offer: a transfer to it identifies the invoice unambiguously.
  CONSTRAINT invoice_offers_network_pay_to_key UNIQUE (network, pay_to)
);
CREATE INDEX invoice_offers_by_invoice ON invoice_offers (invoice_id);

-- Pre-derived receive addresses (from an xpub, watch-only). Allocation takes the lowest free index
-- with FOR UPDATE SKIP LOCKED, so concurrent allocations never hand out the same address.
CREATE TABLE receive_addresses (
  wallet_id        text NOT NULL,
  network_family   text NOT NULL CONSTRAINT receive_addresses_family_check CHECK (network_family IN ('evm', 'solana')),
  derivation_index integer NOT NULL CHECK (derivation_index >= 0),
  address          text NOT NULL CONSTRAINT receive_addresses_address_key UNIQUE,
  allocated_at     timestamptz,
  invoice_id       text REFERENCES invoices (id) ON DELETE SET NULL,
  PRIMARY KEY (wallet_id, derivation_index)
);
CREATE INDEX receive_addresses_free ON receive_addresses (wallet_id, derivation_index) WHERE allocated_at IS NULL;
CREATE INDEX receive_addresses_by_invoice ON receive_addresses (invoice_id) WHERE invoice_id IS NOT NULL;

-- Transfers the watchers have observed to our receive addresses (before and after confirmation).
-- log_index is the event's log index, -1 for a native transfer; Solana uses the instruction index.
CREATE TABLE payments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  network       text NOT NULL,
  tx_hash       text NOT NULL,
  log_index     integer NOT NULL CHECK (log_index >= -1),
  invoice_id    text REFERENCES invoices (id) ON DELETE SET NULL,
  payer         text,
  pay_to        text NOT NULL,
  asset         text NOT NULL,
  amount_atomic numeric(78, 0) NOT NULL CHECK (amount_atomic >= 0),
  block_number  bigint,
  block_hash    text,
  status        text NOT NULL DEFAULT 'seen'
                CONSTRAINT payments_status_check CHECK (status IN ('seen', 'confirmed', 'reorged')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_network_tx_log_key UNIQUE (network, tx_hash, log_index)
);
CREATE INDEX payments_by_invoice ON payments (invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX payments_unconfirmed ON payments (network, block_number) WHERE status = 'seen';

-- A payment credited towards a token. The unique key is the "credited once" invariant: a second
-- redemption of the same (network, tx, log index) inserts nothing.
CREATE TABLE redemptions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  network       text NOT NULL,
  tx_hash       text NOT NULL,
  log_index     integer NOT NULL CHECK (log_index >= -1),
  invoice_id    text REFERENCES invoices (id) ON DELETE SET NULL,
  payer         text,
  asset         text NOT NULL,
  amount_atomic numeric(78, 0) NOT NULL CHECK (amount_atomic >= 0),
  block_number  bigint,
  block_hash    text,
  status        text NOT NULL DEFAULT 'redeemed'
                CONSTRAINT redemptions_status_check CHECK (status IN ('redeemed', 'settled')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT redemptions_network_tx_log_key UNIQUE (network, tx_hash, log_index)
);
CREATE INDEX redemptions_by_invoice ON redemptions (invoice_id) WHERE invoice_id IS NOT NULL;

-- One scan position per network, advanced by compare-and-set; the lease says which replica scans.
CREATE TABLE watcher_cursors (
  network          text PRIMARY KEY,
  last_block       bigint NOT NULL CHECK (last_block >= 0),
  last_block_hash  text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  lease_owner      text,
  lease_expires_at timestamptz
);
