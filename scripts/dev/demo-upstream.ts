/**
 * The demo app behind the `npm start` gateway. It knows nothing about payments except one header:
 *   /            free page explaining the demo
 *   /premium     priced page: `x-402-required` + `x-402-request` (1 USDC or 0.001 ETH, local chain)
 *   /api/quote   JSON; priced by a static route in the authorizer's config, not by this app
 * It shows what reached it (the identity headers Turnpike set) so the loop is visible.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_STACK_CHAIN_ID } from '../../deploy/dev/index.js';

export const DEV_NETWORK = 'anvil';

/** What `/premium` asks for, in the `x-402-request` wire form. */
export const PREMIUM_REQUEST = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  description: 'Premium article (Turnpike demo)',
  payment: {
    requests: [
      { network: DEV_NETWORK, amount: '1', asset: 'USDC' },
      { network: DEV_NETWORK, amount: '0.001' },
    ],
  },
};

/** What `/api/quote` costs; the dev stack puts it in a static route of the authorizer. */
export const QUOTE_REQUEST = {
  claims: { plan: 'api' },
  exp: 600_000,
  description: 'One quote from the demo API',
  payment: { requests: [{ network: DEV_NETWORK, amount: '0.01', asset: 'USDC' }] },
};

export interface DemoUpstream {
  url: string;
  close(): Promise<void>;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1em .3em}pre{padding:.6em;overflow:auto}</style>
</head><body>${body}</body></html>`;
}

function identityOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['x-402-payer', 'x-402-token-id', 'x-402-scope', 'x-402-claims']) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

function home(): string {
  return page(
    'Turnpike demo',
    `<h1>Turnpike demo</h1>
<p>This page is free. It is served by a tiny demo app behind an Express gateway that asks
Turnpike's authorizer about every request. Everything runs on this machine, on a local
<strong>anvil</strong> chain (chain id ${DEV_STACK_CHAIN_ID}, Base Sepolia's id so that x402 v1 clients
can sign for it; it is not Base Sepolia) with Circle's USDC deployed. <strong>Dev only:</strong>
the accounts and keys are anvil's well-known public test keys.</p>
<ul>
<li><a href="/premium">/premium</a> — a priced page (1 USDC or 0.001 ETH). The app declares the
price with one response header, <code>x-402-request</code>. You get a 402 page that takes you to
the payment page; use <em>Pay with dev account</em> and you are sent back here once it is paid.</li>
<li><a href="/api/quote">/api/quote</a> — a priced JSON API (0.01 USDC). The app knows nothing about
it: the price is a static route in the authorizer's config.</li>
</ul>
<p>From a terminal:</p>
<pre>curl -i -H 'Accept: application/json' ${'${URL}'}/premium</pre>
<p>answers 402 with a unique receive address; pay it from a dev account and retry with
<code>x-payment-chain: anvil</code>, <code>x-payment-tx: &lt;hash&gt;</code> and
<code>x-payment-challenge: &lt;id&gt;</code> (see <code>docs/quick-start.md</code>).</p>`,
  );
}

function handle(req: IncomingMessage, res: ServerResponse, premiumHeader: string): void {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const head = req.method === 'HEAD';
  const send = (status: number, headers: Record<string, string>, body: string) => {
    const buf = Buffer.from(body);
    res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
    res.end(head ? undefined : buf);
  };
  const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost:8080';
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  if (path === '/') {
    send(
      200,
      { 'content-type': 'text/html; charset=utf-8' },
      home().replace('${URL}', `${proto}://${escapeHtml(host)}`),
    );
  } else if (path === '/premium' || path.startsWith('/premium/')) {
    const who = identityOf(req);
    send(
      200,
      {
        'content-type': 'text/html; charset=utf-8',
        'x-402-required': 'true',
        'x-402-request': premiumHeader,
        'cache-control': 'private, no-store',
      },
      page(
        'Premium',
        `<h1>Premium content</h1><p>Paid for: this is the premium article. The gateway let you in because
your token's claims cover <code>/premium</code>.</p>
<p>What Turnpike told this app about you:</p><pre>${escapeHtml(JSON.stringify(who, null, 2))}</pre>
<p><a href="/">Back to the start</a></p>`,
      ),
    );
  } else if (path === '/api/quote') {
    send(
      200,
      { 'content-type': 'application/json', 'cache-control': 'no-store' },
      JSON.stringify({ quote: 'Paying for things on the web can be simple.', payer: who(req) }),
    );
  } else {
    send(404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n');
  }
}

function who(req: IncomingMessage): string | null {
  const v = req.headers['x-402-payer'];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Starts the demo app on 127.0.0.1 (port 0 = a free one). */
export async function startDemoUpstream(opts: { port?: number } = {}): Promise<DemoUpstream> {
  const premiumHeader = Buffer.from(JSON.stringify(PREMIUM_REQUEST)).toString('base64');
  const server: Server = createServer((req, res) => {
    req.resume();
    try {
      handle(req, res, premiumHeader);
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
