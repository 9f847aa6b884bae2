-- The reporting admin API and the dashboard (docs/dashboard.md): revenue sums credits by the time
-- they were credited over a range of days; recent payments are read newest first; refunds look at
-- offers that received something.
CREATE INDEX redemptions_by_created ON redemptions (created_at);
CREATE INDEX payments_by_created ON payments (created_at);
CREATE INDEX invoice_offers_received ON invoice_offers (invoice_id) WHERE confirmed_atomic > 0;
