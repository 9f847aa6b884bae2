-- x402 extensions (docs/payments-from-programs.md): sign-in-with-x nonces and payment-identifier
-- idempotency rows. Neither is written by a 402: a nonce row only once its signer was found to hold a
-- paid grant, an identifier row only with a payment payload. Both expire and the retention job
-- deletes them (payment-portal/src/retention/).

-- Sign-in-with-x nonces that signed a payer in: each nonce once, across replicas (the primary key).
-- Kept until the signed message could no longer be accepted anyway (its challenge expired).
CREATE TABLE siwx_nonces (
  nonce      text PRIMARY KEY,
  address    text NOT NULL,
  used_at    timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX siwx_nonces_by_expiry ON siwx_nonces (expires_at);

-- x402 payment-identifier: the first request with an id claims the row ('pending'), settles, and
-- records its outcome ('done': the invoice whose grant it bought and the x402 receipt). A retry with
-- the same id and the same fingerprint (request + payload) gets that outcome; another fingerprint
-- is refused (409). A 'pending' row whose claim is older than the lease may be taken over (the
-- replica that claimed it died mid-settlement: the ledger's binding still credits a payment once).
CREATE TABLE payment_identifiers (
  id          text PRIMARY KEY,
  fingerprint text NOT NULL,
  state       text NOT NULL CONSTRAINT payment_identifiers_state_check CHECK (state IN ('pending', 'done')),
  invoice_id  text REFERENCES invoices (id),
  receipt     jsonb,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  CONSTRAINT payment_identifiers_done_has_invoice CHECK ((state = 'done') = (invoice_id IS NOT NULL))
);
CREATE INDEX payment_identifiers_by_expiry ON payment_identifiers (expires_at);

-- Sign-in-with-x looks up what an address already paid for: redemptions by payer.
CREATE INDEX redemptions_by_payer ON redemptions (payer) WHERE payer IS NOT NULL;
