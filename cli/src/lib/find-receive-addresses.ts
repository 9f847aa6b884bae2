import type { Database } from '@turnpike/payment-portal/storage';
import { ADDRESS_BRANCH, createXpubDeriver, walletIdOf } from '@turnpike/payment-portal';

const NON_HARDENED = 0x8000_0000;

export interface ReceiveAddress {
  network: string;
  /** Lower-case 0x address. */
  address: string;
  /** Below the account xpub, e.g. [0, 3] for a pay-page address. */
  path: number[];
}

/**
 * Receive addresses a payment was recorded to (table payments: watcher sightings and credited
 * proofs; underpayments and late payments hold money too), on the given networks, with their
 * derivation path below the xpub: pay-page pool `0/i` (receive_addresses), API challenges
 * `1/hi/lo` (challenge_addresses, index = hi·2^31 + lo), x402 `2/0`. Every path is re-derived from
 * the xpub and compared, so a row of another wallet is never planned. Addresses of other wallets
 * come back in `foreign`.
 */
export async function findReceiveAddresses(
  db: Database,
  xpub: string,
  networks: readonly string[],
): Promise<{ found: ReceiveAddress[]; foreign: Array<{ network: string; address: string }> }> {
  const walletId = walletIdOf(xpub);
  const deriver = createXpubDeriver(xpub);
  const x402 = deriver.address([ADDRESS_BRANCH.x402, 0]);
  const rows = await db.query<{
    network: string;
    address: string;
    pool_index: number | null;
    challenge_index: string | null;
  }>(
    `SELECT DISTINCT p.network, lower(p.pay_to) AS address, ra.derivation_index AS pool_index,
            ca.derivation_index::text AS challenge_index
       FROM payments p
       LEFT JOIN receive_addresses ra ON ra.address = lower(p.pay_to) AND ra.wallet_id = $1
       LEFT JOIN challenge_addresses ca ON lower(ca.address) = lower(p.pay_to) AND ca.wallet_id = $1
      WHERE p.network = ANY($2::text[])
      ORDER BY 1, 2`,
    [walletId, networks],
  );
  const found: ReceiveAddress[] = [];
  const foreign: Array<{ network: string; address: string }> = [];
  for (const row of rows.rows) {
    let path: number[] | undefined;
    if (row.pool_index !== null) path = [ADDRESS_BRANCH.pool, row.pool_index];
    else if (row.challenge_index !== null) {
      const i = Number(row.challenge_index);
      path = [ADDRESS_BRANCH.challenge, Math.floor(i / NON_HARDENED), i % NON_HARDENED];
    } else if (row.address === x402) path = [ADDRESS_BRANCH.x402, 0];
    if (path !== undefined && deriver.address(path) === row.address)
      found.push({ network: row.network, address: row.address, path });
    else foreign.push({ network: row.network, address: row.address });
  }
  return { found, foreign };
}
