-- Portal state beyond the first schema: what the token step needs from an invoice, the late
-- payment flag, per-offer confirmed totals, and the block hashes watchers keep for reorg checks.

ALTER TABLE invoices ADD COLUMN scheme text NOT NULL DEFAULT 'https' CHECK (scheme IN ('http', 'https'));
-- A payment confirmed after expiry: credited, status stays 'expired', visible to operators.
ALTER TABLE invoices ADD COLUMN late_credited boolean NOT NULL DEFAULT false;
ALTER TABLE invoices ADD COLUMN redeemed_at timestamptz;
-- The token's jti and expiry are fixed at the first issuance; a later /complete re-issues the
-- same lifetime, never a longer one.
ALTER TABLE invoices ADD COLUMN token_jti text;
ALTER TABLE invoices ADD COLUMN token_expires_at timestamptz;
CREATE INDEX invoices_late_credited ON invoices (created_at) WHERE late_credited;

ALTER TABLE invoice_offers ADD COLUMN confirmed_atomic numeric(78, 0) NOT NULL DEFAULT 0 CHECK (confirmed_atomic >= 0);

-- Hashes of recently scanned blocks per network: the window inside which a reorg is detected and
-- the payments in dropped blocks are marked 'reorged'.
CREATE TABLE watcher_blocks (
  network      text NOT NULL,
  block_number bigint NOT NULL CHECK (block_number >= 0),
  block_hash   text NOT NULL,
  PRIMARY KEY (network, block_number)
);

-- Watchers look payments up by receive address.
CREATE INDEX payments_by_pay_to ON payments (network, pay_to);
