import { sendNative } from '../../../tests/support/anvil.js';
import { mine, startChain, startCore, type ChainFixture, type PortalCore } from '../support/chain-fixture.js';

describe('EVM watcher on anvil with Circle USDC', () => {
  let chain: ChainFixture;
  let core: PortalCore;

  beforeAll(async () => {
    chain = await startChain({ confirmations: 2 });
    core = await startCore(chain);
  });
  afterAll(async () => {
    await core?.close();
    await chain?.close();
  });

  it('credits a native transfer once it has the confirmations', async () => {
    const watcher = core.watcher();
    await watcher.pass(); // creates the cursor at the head
    const invoice = await core.createInvoice([{ amount: '0.001' }]);
    const payTo = invoice.offers[0]!.payTo;
    await sendNative(chain.anvil.rpcUrl, chain.payer, payTo, 10n ** 15n);
    await watcher.pass();
    expect((await core.invoice(invoice.id)).status).toBe('confirming');
    await mine(chain, 2);
    await watcher.pass();
    const paid = await core.invoice(invoice.id);
    expect(paid.status).toBe('paid');
    expect(paid.offers[0]!.confirmedAtomic).toBe(10n ** 15n);
  });

  it('credits USDC, adds up an underpayment and its top-up, and records overpayment', async () => {
    const watcher = core.watcher();
    await watcher.pass();
    const invoice = await core.createInvoice([{ symbol: 'USDC', amount: '1.5' }]);
    const payTo = invoice.offers[0]!.payTo;
    await chain.usdc.transfer(chain.payer, payTo, 1_000_000n);
    await mine(chain, 3);
    await watcher.pass();
    let state = await core.invoice(invoice.id);
    expect(state.status).toBe('seen');
    expect(state.offers[0]!.amountAtomic - state.offers[0]!.receivedAtomic).toBe(500_000n);
    await chain.usdc.transfer(chain.payer, payTo, 700_000n);
    await mine(chain, 3);
    await watcher.pass();
    state = await core.invoice(invoice.id);
    expect(state.status).toBe('paid');
    expect(state.offers[0]!.receivedAtomic).toBe(1_700_000n);
  });

  it('does not credit the same Transfer event from a look-alike token contract', async () => {
    const watcher = core.watcher();
    await watcher.pass();
    const invoice = await core.createInvoice([{ symbol: 'USDC', amount: '1' }]);
    await chain.fake.transfer(chain.payer, invoice.offers[0]!.payTo, 1_000_000n);
    await mine(chain, 3);
    await watcher.pass();
    const state = await core.invoice(invoice.id);
    expect(state.status).toBe('pending');
    expect(state.offers[0]!.receivedAtomic).toBe(0n);
    const rows = await core.db.query('SELECT 1 FROM payments WHERE pay_to = $1', [invoice.offers[0]!.payTo]);
    expect(rows.rowCount).toBe(0);
  });

  it('with more open invoices than fit a topic list, reads the range unfiltered and looks recipients up', async () => {
    const watcher = core.watcher({ topicOrListMax: 2 });
    await watcher.pass();
    const invoices = await Promise.all(
      [1, 2, 3, 4].map(() => core.createInvoice([{ symbol: 'USDC', amount: '1' }])),
    );
    const native = await core.createInvoice([{ amount: '0.001' }]);
    await chain.usdc.transfer(chain.payer, invoices[0]!.offers[0]!.payTo, 1_000_000n);
    await chain.usdc.transfer(chain.payer, invoices[3]!.offers[0]!.payTo, 1_000_000n);
    await chain.fake.transfer(chain.payer, invoices[1]!.offers[0]!.payTo, 1_000_000n);
    await sendNative(chain.anvil.rpcUrl, chain.payer, native.offers[0]!.payTo, 10n ** 15n);
    await chain.usdc.transfer(chain.payer, '0x000000000000000000000000000000000000bEEF', 1_000_000n); // not ours
    await mine(chain, 3);
    await watcher.pass();
    const statuses = await Promise.all(
      [...invoices, native].map(async (i) => (await core.invoice(i.id)).status),
    );
    expect(statuses).toEqual(['paid', 'pending', 'pending', 'paid', 'paid']);
  });
});
