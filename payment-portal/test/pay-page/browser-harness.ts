/**
 * A tiny stand-in for the portal's public routes, for driving the real pay page in Chromium:
 * the page with its CSP header, the static assets, an SSE stream the test pushes states into,
 * the dev-pay endpoint (records its body) and the completion URL. The page, its CSP and its
 * script are the shipped ones; only the invoice storage behind them is left out.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import {
  PAY_PAGE_ASSETS_DIR,
  payPageCsp,
  renderPayPage,
  type PayPageView,
} from '../../src/pay-page/index.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' };

/**
 * A site's customization, served from the same server but reached through `localhost` (another
 * origin than the page's 127.0.0.1): a brand colour, a script that marks the page, a logo.
 */
const CUSTOM_FILES: Record<string, { type: string; body: string }> = {
  '/custom/brand.css': {
    type: 'text/css',
    body: ':root{--tp-accent:#6d28d9}.tp-eyebrow{color:#6d28d9}',
  },
  '/custom/brand.js': { type: 'text/javascript', body: 'document.body.dataset.brand = "loaded";' },
  '/custom/logo.svg': {
    type: 'image/svg+xml',
    body: '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><rect width="120" height="32" rx="6" fill="#6d28d9"/><text x="60" y="21" font-family="sans-serif" font-size="14" fill="#fff" text-anchor="middle">Shop</text></svg>',
  },
};

export interface PayPageServer {
  origin: string;
  /** The view served next (page, JSON and the first SSE event). */
  view: PayPageView;
  /** Sends a state to every open SSE stream. */
  push(view: PayPageView): void;
  /** Bodies POSTed to dev-pay, parsed. */
  devPayBodies: unknown[];
  /** How many times the completion URL was opened. */
  completeHits: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Starts the stand-in on 127.0.0.1 and a free port; `view.urls` must point under /_402/invoices/. */
export async function startPayPageServer(initial: PayPageView): Promise<PayPageServer> {
  const streams = new Set<ServerResponse>();
  const state: PayPageServer = {
    origin: '',
    view: initial,
    devPayBodies: [],
    completeHits: 0,
    push(view) {
      state.view = view;
      for (const res of streams) res.write(`event: state\ndata: ${JSON.stringify(view)}\n\n`);
    },
    close: async () => {
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const { urls } = state.view;
    if (path.startsWith('/_402/assets/')) {
      const file = join(PAY_PAGE_ASSETS_DIR, path.slice('/_402/assets/'.length).replace(/[^a-z.]/g, ''));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      return void res.end(await readFile(file));
    }
    const custom = CUSTOM_FILES[path];
    if (custom !== undefined) {
      res.writeHead(200, { 'content-type': custom.type });
      return void res.end(custom.body);
    }
    if (path === urls.state) {
      if ((req.headers.accept ?? '').includes('application/json')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(state.view));
      }
      const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': payPageCsp(state.view, nonce),
      });
      return void res.end(renderPayPage(state.view, { nonce }));
    }
    if (path === urls.events) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(`event: state\ndata: ${JSON.stringify(state.view)}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (path === urls.devPay && req.method === 'POST') {
      state.devPayBodies.push(JSON.parse(await readBody(req)));
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"tx":"0x01"}');
    }
    if (path === urls.complete) {
      state.completeHits += 1;
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<!doctype html><title>done</title><link rel="icon" href="data:,"><p>content</p>');
    }
    res.writeHead(404).end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium with a throw-away profile; fails loudly when it is missing. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  const profile = await mkdtemp(join(tmpdir(), 'turnpike-paypage-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
