-- Solana offers use the Solana Pay reference-key pattern (docs/solana.md): pay_to is the merchant's
-- own wallet, the same for every invoice, and what binds a transaction to one offer is a unique
-- random public key (the reference) the payer's transfer instruction carries as a read-only
-- account. So (network, pay_to) is unique only for offers without a reference (EVM: one derived
-- address per invoice), and the reference itself is unique across all offers.
ALTER TABLE invoice_offers ADD COLUMN reference text;
ALTER TABLE invoice_offers ADD CONSTRAINT invoice_offers_reference_key UNIQUE (reference);
ALTER TABLE invoice_offers ADD CONSTRAINT invoice_offers_reference_format
  CHECK (reference IS NULL OR reference ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$');
ALTER TABLE invoice_offers DROP CONSTRAINT invoice_offers_network_pay_to_key;
CREATE UNIQUE INDEX invoice_offers_network_pay_to_key ON invoice_offers (network, pay_to) WHERE reference IS NULL;
