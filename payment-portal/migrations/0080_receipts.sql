-- Receipts (docs/receipts.md): a payer asks with their access token, found by its jti.
CREATE INDEX invoices_by_token_jti ON invoices (token_jti) WHERE token_jti IS NOT NULL;
