-- Retention (docs/storage.md, "Retention"): expired invoices nothing was paid to are deleted after
-- a grace, oldest first, in batches; payments and redemptions are kept.

-- The retention job's scan: expired invoices by expiry.
CREATE INDEX invoices_expired_by_expiry ON invoices (expires_at) WHERE status = 'expired';
-- Its "no challenge address names this invoice" check.
CREATE INDEX challenge_addresses_by_invoice ON challenge_addresses (invoice_id) WHERE invoice_id IS NOT NULL;

-- The pay-page pool's next derivation index (<xpub>/0/i) now comes from address_index_cursors,
-- branch 0, which never moves back; MAX(derivation_index) + 1 would, once retention deletes the
-- receive addresses at the top. Start each existing wallet's cursor above its stored rows.
INSERT INTO address_index_cursors (wallet_id, branch, next_index)
SELECT wallet_id, 0, MAX(derivation_index) + 1 FROM receive_addresses GROUP BY wallet_id
ON CONFLICT (wallet_id, branch)
  DO UPDATE SET next_index = GREATEST(address_index_cursors.next_index, EXCLUDED.next_index);
