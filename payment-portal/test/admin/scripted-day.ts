/**
 * A scripted day of payments for the reporting API and the dashboard: a portal with its admin
 * listener on real PostgreSQL, anvil with Circle's USDC, invoices opened through the pay link as a
 * browser would, paid on chain from the dev account and credited by the portal's own watcher.
 * Two sites: the invoices' `site_id` is set right after creation, as site resolution (the sites
 * area) will write it. One credit is moved to yesterday so the charts have two days.
 */
import { localAnvilNetwork } from '@turnpike/protocol';
import { sendNative } from '../../../tests/support/anvil.js';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { mine, startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from '../support/portal-fixture.js';

/** The explorer template the scripted day's anvil network carries (chain links in the reports). */
export const EXPLORER = 'https://explorer.test/tx/{tx}';

export interface ScriptedPayment {
  key: string;
  site: string;
  symbol: 'USDC' | 'ETH';
  /** What the invoice asks, whole units. */
  asks: string;
  /** What the payer sends, atomic units. */
  pays: bigint;
  /** `late`: the invoice expires first, then is paid (credited late). `expire`: paid short, then expires. */
  mode?: 'late' | 'expire';
}

export const SCRIPT: readonly ScriptedPayment[] = [
  { key: 'a-usdc-1', site: 'default', symbol: 'USDC', asks: '1', pays: 1_000_000n },
  { key: 'a-usdc-2', site: 'default', symbol: 'USDC', asks: '2.5', pays: 2_500_000n },
  { key: 'b-usdc-over', site: 'shop-b', symbol: 'USDC', asks: '1', pays: 1_500_000n },
  { key: 'b-eth', site: 'shop-b', symbol: 'ETH', asks: '0.001', pays: 10n ** 15n },
  { key: 'a-eth', site: 'default', symbol: 'ETH', asks: '0.002', pays: 2n * 10n ** 15n },
  { key: 'b-usdc-short', site: 'shop-b', symbol: 'USDC', asks: '3', pays: 400_000n, mode: 'expire' },
  { key: 'a-usdc-late', site: 'default', symbol: 'USDC', asks: '1', pays: 1_000_000n, mode: 'late' },
];

/** The payment whose credit is moved to yesterday. */
export const YESTERDAY_KEY = 'a-usdc-2';

export interface ScriptedDay {
  pg: TestPostgres;
  chain: ChainFixture;
  portal: PortalFixture;
  /** Invoice id per script key. */
  invoices: Map<string, string>;
  /** The pay-to address per script key. */
  payTo: Map<string, string>;
  today: string;
  yesterday: string;
  close(): Promise<void>;
}

const TARGET = { host: 'shop.test', scheme: 'https' as const, resource: '/premium', originalUri: '/premium' };

export async function runScriptedDay(): Promise<ScriptedDay> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const chain = await startChain({ confirmations: 1 });
    cleanups.push(() => chain.close());
    const portal = await startPortal(chain, {
      databaseUrl: await pg.createDatabase(),
      confirmations: 1,
      admin: true,
      extra: {
        networks: {
          anvil: {
            ...localAnvilNetwork({ usdcAddress: chain.usdc.address, confirmations: 1 }),
            explorerTxUrl: EXPLORER,
          },
        },
      },
    });
    cleanups.push(() => portal.close());
    const invoices = new Map<string, string>();
    const payTo = new Map<string, string>();
    const db = portal.portal.db;
    const { publicUrl } = portal.portal;
    for (const step of SCRIPT) {
      const request = portal.wire({
        claims: {},
        exp: 3_600_000,
        payment: {
          requests: [
            step.symbol === 'USDC'
              ? { network: 'anvil', amount: step.asks, asset: 'USDC' }
              : { network: 'anvil', amount: step.asks },
          ],
        },
      });
      const ref = portal.payLink({ ...TARGET, request });
      const opened = await fetch(`${publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
      const id = (opened.headers.get('location') ?? '').split('/').at(-1) ?? '';
      if (opened.status !== 303 || id === '') throw new Error(`pay link refused: ${opened.status}`);
      invoices.set(step.key, id);
      await db.query('UPDATE invoices SET site_id = $1 WHERE id = $2', [step.site, id]);
      const view = await waitForInvoice(publicUrl, id, (v) => v.invoice.status === 'pending');
      const address = view.offers[0]!.payTo;
      payTo.set(step.key, address);
      // 'expire' goes past the watchers' late grace (one day) too: only then is a short payment owed back.
      const expire = () =>
        db.query(`UPDATE invoices SET expires_at = now() - $2::interval WHERE id = $1`, [
          id,
          step.mode === 'expire' ? '2 days' : '1 second',
        ]);
      if (step.mode === 'late') {
        await expire();
        await waitForInvoice(publicUrl, id, (v) => v.invoice.status === 'expired');
      }
      if (step.symbol === 'USDC') await chain.usdc.transfer(chain.payer, address, step.pays);
      else await sendNative(chain.anvil.rpcUrl, chain.payer, address, step.pays);
      await mine(chain, 1);
      if (step.mode === 'expire') {
        await waitForPayment(portal, address, 'confirmed');
        await expire();
        await waitForInvoice(publicUrl, id, (v) => v.invoice.status === 'expired');
      } else if (step.mode === 'late') {
        await waitForInvoice(publicUrl, id, (v) => v.invoice.lateCredited === true);
      } else {
        await waitForInvoice(publicUrl, id, (v) => v.invoice.status === 'paid');
      }
    }
    await db.query(
      `UPDATE redemptions SET created_at = created_at - interval '1 day' WHERE invoice_id = $1`,
      [invoices.get(YESTERDAY_KEY)],
    );
    const now = Date.now();
    return {
      pg,
      chain,
      portal,
      invoices,
      payTo,
      today: new Date(now).toISOString().slice(0, 10),
      yesterday: new Date(now - 86_400_000).toISOString().slice(0, 10),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForPayment(portal: PortalFixture, payTo: string, status: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await portal.portal.db.query(
      'SELECT 1 FROM payments WHERE lower(pay_to) = lower($1) AND status = $2',
      [payTo, status],
    );
    if (r.rows.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no ${status} payment to ${payTo}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Revenue summed by the database itself (the test's independent reading). */
export async function databaseRevenue(
  day: ScriptedDay,
  opts: { from: string; to: string },
): Promise<Array<{ site_id: string; network: string; asset: string; total: string; payments: string }>> {
  const r = await day.portal.portal.db.query<{
    site_id: string;
    network: string;
    asset: string;
    total: string;
    payments: string;
  }>(
    `SELECT i.site_id, r.network, r.asset, sum(r.amount_atomic)::text AS total, count(*)::text AS payments
       FROM redemptions r JOIN invoices i ON i.id = r.invoice_id
      WHERE r.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
        AND r.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [opts.from, opts.to],
  );
  return r.rows;
}
