import { REASONS } from '@turnpike/protocol';
import { Interface } from 'ethers';
import { z } from 'zod';
import type { PortalContext } from '../context.js';
import { PortalError } from '../errors.js';
import { getInvoice } from '../invoices/get-invoice.js';
import { PORTAL_REASONS } from '../reasons.js';
import { createRpcClient, RpcError } from '../watchers/evm/rpc-client.js';

export const devPayBodySchema = z.object({
  network: z.string().min(1).max(64),
  /** Picks among several offers on one network (the receive address or the asset symbol). */
  payTo: z.string().max(128).optional(),
  asset: z.string().max(32).optional(),
});

const ERC20 = new Interface(['function transfer(address to, uint256 amount) returns (bool)']);
const DEV_RPC_TIMEOUT_MS = 10_000;
/** anvil answers web3_clientVersion with "anvil/v1.x.y"; geth, reth, erigon and hosted RPCs never do. */
const ANVIL_CLIENT_VERSION = /^anvil\//i;

/**
 * Dev chain only: pays what is left of an offer from an unlocked anvil account
 * (eth_sendTransaction, so no key is involved). Refused unless config dev.payFromAccount is set,
 * the offer's chain id is config dev.chainId, and the network's RPC says it is anvil — `npm start`
 * runs anvil on a real testnet's chain id (84532), so the chain id alone does not prove a dev chain.
 */
export async function devPay(ctx: PortalContext, id: string, body: unknown): Promise<{ tx: string }> {
  const from = ctx.config.dev.payFromAccount;
  const parsed = devPayBodySchema.safeParse(body);
  if (!parsed.success)
    throw new PortalError(REASONS.REQUEST_SCHEMA_INVALID, 400, 'expected {network, payTo?, asset?}');
  const invoice = await getInvoice(ctx.db, id);
  if (!invoice) throw new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such invoice');
  const { network: name, payTo, asset } = parsed.data;
  const offer = invoice.offers.find(
    (o) =>
      o.network === name &&
      (payTo === undefined || o.payTo === payTo.toLowerCase()) &&
      (asset === undefined || o.assetSymbol === asset),
  );
  const network = ctx.registry.get(name);
  const rpcUrl = ctx.rpcUrls.get(name)?.[0];
  if (!from || !offer || network?.kind !== 'evm' || network.chainId !== ctx.config.dev.chainId || !rpcUrl) {
    throw new PortalError(
      PORTAL_REASONS.DEV_PAY_UNAVAILABLE,
      403,
      'dev payments are only available on the local dev chain',
    );
  }
  const remaining =
    offer.amountAtomic > offer.receivedAtomic ? offer.amountAtomic - offer.receivedAtomic : 0n;
  if (remaining === 0n)
    throw new PortalError(PORTAL_REASONS.DEV_PAY_UNAVAILABLE, 409, 'this offer is already paid');
  const tx =
    offer.assetKind === 'native'
      ? { from, to: offer.payTo, value: `0x${remaining.toString(16)}` }
      : {
          from,
          to: offer.assetAddress,
          data: ERC20.encodeFunctionData('transfer', [offer.payTo, remaining]),
        };
  const rpc = createRpcClient({ urls: [rpcUrl], timeoutMs: DEV_RPC_TIMEOUT_MS });
  try {
    const client = await rpc.call('web3_clientVersion', [], z.string());
    if (!ANVIL_CLIENT_VERSION.test(client)) {
      throw new PortalError(
        PORTAL_REASONS.DEV_PAY_UNAVAILABLE,
        403,
        `dev payments need an anvil chain; the RPC of ${name} is ${client.slice(0, 64)}`,
      );
    }
    return { tx: await rpc.call('eth_sendTransaction', [tx], z.string()) };
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    throw new PortalError(PORTAL_REASONS.DEV_PAY_UNAVAILABLE, 502, `the dev chain refused: ${err.message}`);
  }
}
