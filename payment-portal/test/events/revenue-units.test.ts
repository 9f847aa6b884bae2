import { createNetworkRegistry, localAnvilNetwork } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { Registry } from 'prom-client';
import { createPortalEvents, type CreditedPayment } from '../../src/events/portal-events.js';
import { createPortalMetrics } from '../../src/metrics.js';

const USDC = '0x1111111111111111111111111111111111111111';

/** Revenue in whole units comes from the exact decimal of the atomic amount; labels from config. */
describe('payment.credited amounts and revenue', () => {
  it('converts atomic units exactly per asset, and labels an unconfigured asset by its id without revenue', async () => {
    const registry = createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress: USDC }) });
    const metricsRegistry = new Registry();
    const metrics = createPortalMetrics(metricsRegistry);
    let text = '';
    const events = createPortalEvents({
      registry,
      metrics,
      logger: createLogger({
        name: 'payment-portal',
        destination: { write: (l: string) => void (text += l) },
      }),
    });
    const paid = (asset: string, amountAtomic: bigint, tx: string): CreditedPayment => ({
      invoiceId: 'inv',
      host: 'shop.test',
      network: 'anvil',
      txHash: tx,
      logIndex: 0,
      asset,
      amountAtomic,
      dialect: 'tx',
    });
    events.paymentsCredited([
      paid(USDC.toUpperCase().replace('0X', '0x'), 123_456_789n, '0x01'),
      paid('native', 1n, '0x02'),
      paid('native', 2_500_000_000_000_000_000n, '0x03'),
      paid('0x2222222222222222222222222222222222222222', 5n, '0x04'),
    ]);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { asset: string; amount?: string; amountAtomic: string });
    expect(lines.map((l) => [l.asset, l.amount, l.amountAtomic])).toEqual([
      ['USDC', '123.456789', '123456789'],
      ['ETH', '0.000000000000000001', '1'],
      ['ETH', '2.5', '2500000000000000000'],
      ['0x2222222222222222222222222222222222222222', undefined, '5'],
    ]);
    const revenue = (await metrics.revenue.get()).values.map((v) => [v.labels.asset, v.value]);
    expect(revenue).toEqual([
      ['USDC', 123.456789],
      // 1e-18 + 2.5: a float sum (the line and the ledger keep the exact amounts).
      ['ETH', 2.5],
    ]);
    const credited = (await metrics.paymentsCredited.get()).values.map((v) => [v.labels.asset, v.value]);
    expect(credited).toEqual([
      ['USDC', 1],
      ['ETH', 2],
      ['0x2222222222222222222222222222222222222222', 1],
    ]);
  });
});
