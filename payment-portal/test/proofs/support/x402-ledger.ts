/** What an x402 authorization left in the ledger and on chain, for assertions. */
import type { DeployedToken } from '../../../../tests/support/anvil.js';
import { x402Binding } from '../../../src/ledger/index.js';
import type { Database } from '../../../src/storage/index.js';
import type { ExactPayload } from './x402-payloads.js';

/** One credit of an authorization: its invoice (source 'proof'), payment and redemption. */
export interface X402Credit {
  invoice_id: string;
  source: string;
  status: string;
  tx_hash: string;
  redemption_status: string;
  pay_to: string;
  asset: string;
  amount_atomic: string;
  payer: string;
}

/** Every credit the ledger holds for this authorization (bindings `x402:anvil:<token>:<from>:<nonce>:…`). */
export async function creditsOf(db: Database, exact: ExactPayload, token: string): Promise<X402Credit[]> {
  const a = exact.authorization;
  const r = await db.query<X402Credit>(
    `SELECT i.id AS invoice_id, i.source, i.status, r.tx_hash, r.status AS redemption_status,
            p.pay_to, p.asset, p.amount_atomic::text AS amount_atomic, p.payer
     FROM invoices i
     JOIN redemptions r ON r.invoice_id = i.id
     JOIN payments p ON p.network = r.network AND p.tx_hash = r.tx_hash AND p.log_index = r.log_index
     WHERE i.binding LIKE $1`,
    [`${x402Binding('anvil', token, a.from, a.nonce, undefined).replace(/:unbound-[0-9a-f]+$/, '')}:%`],
  );
  return r.rows;
}

/**
 * Balances of some addresses in one token, read now; `moved()` gives each one's change since.
 * The portal's x402 address collects across tests, so tests assert changes, not totals.
 */
export async function watchBalances(
  token: DeployedToken,
  addresses: readonly string[],
): Promise<{ moved(): Promise<bigint[]> }> {
  const read = () => Promise.all(addresses.map((a) => token.balanceOf(a)));
  const before = await read();
  return {
    async moved() {
      return (await read()).map((b, i) => b - before[i]!);
    },
  };
}
