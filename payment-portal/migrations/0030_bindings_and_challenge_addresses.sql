-- Stateless challenges (docs/storage.md, "What a 402 writes"): an API 402 writes nothing. The first
-- write is a payment proof (tx hash, x402), or a person opening the pay page. So an invoice now says
-- how it was made, and the proof that made it carries its binding.

-- pay_page: opened by a person on the pay page (its grant goes only to that browser, /complete);
-- challenge: an API challenge recorded because its route accepts unbound tx proofs (opt-in);
-- proof: written when a payment proof against a stateless challenge or an x402 authorization was
-- credited. Rows from before this migration were made by both paths; 'pay_page' is the safe
-- reading (a bare transaction hash is never matched to a pay-page invoice).
ALTER TABLE invoices ADD COLUMN source text NOT NULL DEFAULT 'pay_page'
  CONSTRAINT invoices_source_check CHECK (source IN ('pay_page', 'challenge', 'proof'));
-- What binds the credited proof to its requester: 'challenge:<id>' or 'x402:<network>:<token>:<from>:<nonce>'.
-- Presenting the same proof with the same binding again returns this invoice's grant.
ALTER TABLE invoices ADD COLUMN binding text CONSTRAINT invoices_binding_key UNIQUE;
-- sha256 (hex) of the pay-page session secret held in the browser's cookie; /complete requires it.
ALTER TABLE invoices ADD COLUMN session_hash text;
ALTER TABLE invoices ADD CONSTRAINT invoices_binding_only_for_proofs
  CHECK ((source = 'proof') = (binding IS NOT NULL));

-- Index ranges handed out for challenge receive addresses (<xpub>/1/<hi>/<lo>, index = hi·2^31 + lo)
-- and for the pay-page pool (<xpub>/0/i): every index below next_index may have been given to a
-- client. One row per (wallet, branch), advanced by one UPDATE per leased block, never moved back:
-- an index is never handed out twice, and the operator can scan [0, next_index) for funds.
CREATE TABLE address_index_cursors (
  wallet_id  text NOT NULL,
  branch     integer NOT NULL CHECK (branch >= 0),
  next_index bigint NOT NULL CHECK (next_index >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wallet_id, branch)
);

-- The challenge receive address of each credited proof, with its derivation index, so the operator
-- can sweep it (a challenge that was paid but never presented is found by scanning the cursor's range).
CREATE TABLE challenge_addresses (
  wallet_id        text NOT NULL,
  derivation_index bigint NOT NULL CHECK (derivation_index >= 0),
  address          text NOT NULL,
  invoice_id       text REFERENCES invoices (id) ON DELETE SET NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wallet_id, derivation_index)
);
CREATE INDEX challenge_addresses_by_address ON challenge_addresses (address);
