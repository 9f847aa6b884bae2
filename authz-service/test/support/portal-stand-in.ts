import {
  addressLeaseRequestSchema,
  checksumEvmAddress,
  challengeRequestSchema,
  createNetworkRegistry,
  creditLeaseRequestSchema,
  creditReturnRequestSchema,
  freeTierRequestSchema,
  PORTAL_API_PATHS,
  settleRequestSchema,
  type AddressLeaseResponse,
  type Challenge,
  type CreditLeaseResponse,
  type FreeTierResponse,
  type PayeeResponse,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import { listen, type Listening } from './http.js';

/**
 * CONTRACT STAND-IN for the portal's internal API (protocol/src/portal-api), which the portal
 * suites of authz-service use to run without a chain or a database (the real portal is used by
 * the end-to-end suites in tests/). It checks the bearer secret, parses every request body with
 * the shared request schemas (a body the real portal would refuse fails here too) and answers with
 * schema-shaped responses: a payee (EVM wallet, x402 address, the standard networks), address
 * leases of consecutive indexes whose addresses are unique and EIP-55 (not derived: nothing here
 * checks a chain), recorded challenges with unique payTo addresses, settle verdicts, credit
 * leases (every metered balance holds plenty: a lease grants what it wants) and their returns,
 * and free-tier counts (every request free).
 */
export interface PortalStandIn extends Listening {
  calls: Array<{ path: string; body: unknown }>;
  /** Make every call fail this way. */
  mode: 'ok' | 'status500' | 'hang' | 'garbage';
  /** Answers settle calls (default: payment_not_found). */
  settleWith: ((body: SettleRequest) => Promise<SettleResponse>) | undefined;
  count(path: string): number;
}

export const PORTAL_TOKEN = 'portal-internal-secret';

/** The payee the stand-in describes: every standard EVM network, x402 on base and polygon. */
export const STAND_IN_PAYEE: PayeeResponse = {
  txNetworks: ['ethereum', 'base', 'polygon', 'avalanche', 'base-sepolia', 'polygon-amoy'],
  evm: { walletId: 'evm:standin0000000000' },
  x402: { payTo: `0x${'42'.repeat(20)}`, networks: ['base', 'polygon'] },
  challengeTtlSeconds: 900,
};

export async function startPortalStandIn(): Promise<PortalStandIn> {
  const registry = createNetworkRegistry();
  const calls: PortalStandIn['calls'] = [];
  let n = 0;
  let nextIndex = 0;
  const state: { mode: PortalStandIn['mode']; settleWith: PortalStandIn['settleWith'] } = {
    mode: 'ok',
    settleWith: undefined,
  };
  const l = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (req.headers.authorization !== `Bearer ${PORTAL_TOKEN}`)
        return reply(401, { error: 'unauthorized' });
      let body: unknown;
      try {
        body = req.method === 'GET' ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: 'invalid_json' });
      }
      calls.push({ path: req.url ?? '', body });
      if (state.mode === 'hang') return;
      if (state.mode === 'status500') return reply(500, { error: 'boom' });
      if (state.mode === 'garbage') return reply(200, { what: 'ever' });
      const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
      if (req.url === PORTAL_API_PATHS.payee && req.method === 'GET') return reply(200, STAND_IN_PAYEE);
      if (req.url === PORTAL_API_PATHS.addressLeases) {
        const parsed = addressLeaseRequestSchema.safeParse(body);
        if (!parsed.success) return reply(400, { error: 'invalid_request' });
        const first = nextIndex;
        nextIndex += parsed.data.count;
        const out: AddressLeaseResponse = {
          walletId: STAND_IN_PAYEE.evm!.walletId,
          first,
          addresses: Array.from({ length: parsed.data.count }, (_, i) =>
            checksumEvmAddress(`0x${(first + i + 1).toString(16).padStart(40, 'a')}`)!,
          ),
        };
        return reply(200, out);
      }
      if (req.url === PORTAL_API_PATHS.challenges) {
        const parsed = challengeRequestSchema.safeParse(body);
        if (!parsed.success)
          return reply(400, { error: 'invalid_request', issues: parsed.error.issues.length });
        const id = `ch_${++n}`;
        const offers: Challenge['offers'] = parsed.data.request.offers.map((o, i) => ({
          network: o.network,
          caip2: registry.require(o.network).caip2,
          asset: o.asset,
          amount: o.amount,
          atomic: o.atomic,
          payTo: `0x${(n * 16 + i).toString(16).padStart(40, '0')}`,
        }));
        const out: Challenge = {
          id,
          expiresAt,
          payUrl: `${parsed.data.scheme}://${parsed.data.host}/_402/pay?challenge=${id}`,
          offers,
        };
        return reply(200, out);
      }
      if (req.url === PORTAL_API_PATHS.settle) {
        const parsed = settleRequestSchema.safeParse(body);
        if (!parsed.success) return reply(400, { error: 'invalid_request' });
        if (state.settleWith !== undefined) {
          void state.settleWith(parsed.data).then((answer) => reply(200, answer));
          return;
        }
        return reply(402, { ok: false, reason: 'payment_not_found', message: 'no such transaction' });
      }
      if (req.url === PORTAL_API_PATHS.creditLeases) {
        const parsed = creditLeaseRequestSchema.safeParse(body);
        if (!parsed.success) return reply(400, { error: 'invalid_request' });
        const out: CreditLeaseResponse = {
          ok: true,
          leaseId: `lease_${++n}`,
          granted: parsed.data.want,
          remaining: '1000000',
          expiresAt: new Date(Date.now() + parsed.data.ttlMs).toISOString(),
        };
        return reply(200, out);
      }
      if (req.url === PORTAL_API_PATHS.creditReturns) {
        const parsed = creditReturnRequestSchema.safeParse(body);
        if (!parsed.success) return reply(400, { error: 'invalid_request' });
        return reply(200, { returned: parsed.data.unused });
      }
      if (req.url === PORTAL_API_PATHS.freeTier) {
        const parsed = freeTierRequestSchema.safeParse(body);
        if (!parsed.success) return reply(400, { error: 'invalid_request' });
        const out: FreeTierResponse = { ok: true, used: 1, resetAt: expiresAt };
        return reply(200, out);
      }
      reply(404, { error: 'not_found' });
    });
  });
  return {
    ...l,
    calls,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    get settleWith() {
      return state.settleWith;
    },
    set settleWith(f) {
      state.settleWith = f;
    },
    count: (path) => calls.filter((c) => c.path === path).length,
  };
}
