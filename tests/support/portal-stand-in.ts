/**
 * CONTRACT STAND-IN for payment-portal, until its app (payment-portal/src/app.ts) lands: an
 * in-process node:http server answering the portal's internal API exactly as specified in
 * protocol/src/portal-api (requests parsed and responses validated with those very zod
 * schemas), plus a public `/_402/*` page so gateway routing to the portal can be checked.
 * It signs nothing and watches no chain: references are opaque random strings, every challenge
 * gets a fresh receive address, and settle answers payment_not_found.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  challengeRequestSchema,
  challengeSchema,
  createNetworkRegistry,
  PORTAL_API_PATHS,
  referenceRequestSchema,
  referenceResponseSchema,
  settleRequestSchema,
  settleResponseSchema,
} from '@turnpike/protocol';

export interface PortalStandIn {
  /** host:port of the one listener (internal API + public /_402/). */
  address: string;
  internalUrl: string;
  token: string;
  /** Internal API calls received, by path. */
  calls: Array<{ path: string; body: unknown }>;
  close(): Promise<void>;
}

const CHALLENGE_TTL_MS = 15 * 60_000;

export async function startPortalStandIn(opts: { token?: string } = {}): Promise<PortalStandIn> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const registry = createNetworkRegistry();
  const calls: PortalStandIn['calls'] = [];

  const server: Server = createServer((req, res) => {
    void handle(req).then(
      ({ status, body, contentType }) => {
        res.writeHead(status, { 'content-type': contentType ?? 'application/json', 'cache-control': 'no-store' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'stand_in_error', message: (err as Error).message }));
      },
    );
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown; contentType?: string }> {
    const url = req.url ?? '/';
    if (url.startsWith('/_402/')) {
      return { status: 200, body: `<!doctype html><title>Pay</title><p>portal stand-in: ${escape(url)}</p>`, contentType: 'text/html; charset=utf-8' };
    }
    if (req.method !== 'POST') return { status: 404, body: { error: 'not_found' } };
    if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: { error: 'unauthorized' } };
    const raw = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { status: 400, body: { error: 'bad_json' } };
    }
    calls.push({ path: url, body: json });
    const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS).toISOString();

    switch (url) {
      case PORTAL_API_PATHS.references: {
        const body = referenceRequestSchema.parse(json);
        const reference = randomBytes(18).toString('base64url');
        return {
          status: 200,
          body: referenceResponseSchema.parse({
            reference,
            payUrl: `${body.scheme}://${body.host}/_402/pay?ref=${reference}`,
            expiresAt,
          }),
        };
      }
      case PORTAL_API_PATHS.challenges: {
        const body = challengeRequestSchema.parse(json);
        const id = randomUUID();
        const offers = body.request.offers.map((offer) => {
          const network = registry.require(offer.network);
          return {
            network: offer.network,
            caip2: network.caip2,
            asset: offer.asset,
            amount: offer.amount,
            atomic: offer.atomic,
            payTo: network.kind === 'evm' ? `0x${randomBytes(20).toString('hex')}` : offer.address ?? 'So11111111111111111111111111111111111111112',
          };
        });
        return {
          status: 200,
          body: challengeSchema.parse({ id, expiresAt, payUrl: `${body.scheme}://${body.host}/_402/pay?invoice=${id}`, offers }),
        };
      }
      case PORTAL_API_PATHS.settle: {
        settleRequestSchema.parse(json);
        return {
          status: 402,
          body: settleResponseSchema.parse({ ok: false, reason: 'payment_not_found', message: 'stand-in: no chain is watched' }),
        };
      }
      default:
        return { status: 404, body: { error: 'not_found' } };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    internalUrl: `http://127.0.0.1:${port}`,
    token,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
