/**
 * The nginx-ingress overlay's two snippets, rendered by `kubectl kustomize` and placed the way
 * ingress-nginx places them (server-snippet in the host's server block, configuration-snippet in
 * the protected location, next to the proxy headers the controller sets itself), run by real NGINX
 * in front of the real authorizer, portal and a priced upstream. Only the Service's cluster address
 * is replaced, by the local authorizer's. ingress-nginx itself (its Lua balancer, its template) is
 * not run here: this checks the snippets, not the controller.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IDENTITY_HEADERS } from '../../authz-service/src/core/identity-headers.js';
import { PAYER, SCOPE, SPOOFED, VALID_CLAIMS } from '../gateways/decision-table.js';
import { send } from '../gateways/run-table.js';
import { startStack, type Stack } from '../gateways/stack.js';
import { gatewayBinary, waitForPort } from '../support/gateways.js';
import { freePort } from '../support/ports.js';
import { spawnTracked, type TrackedProcess } from '../support/processes.js';
import { one, render } from './kustomize.js';

const AUTHZ_IN_CLUSTER = 'turnpike-authz.turnpike.svc.cluster.local:8081';
const START_TIMEOUT_MS = 10_000;
const WARM_UP_TIMEOUT_MS = 20_000;

let stack: Stack;
let nginx: TrackedProcess | undefined;
let port = 0;
let dir = '';

/** An NGINX config laid out as ingress-nginx lays out one host with the overlay's two Ingresses. */
function ingressStyleConfig(annotations: Record<string, string>): string {
  const local = (snippet: string | undefined): string => {
    if (snippet === undefined) throw new Error('snippet annotation missing');
    return snippet.replaceAll(AUTHZ_IN_CLUSTER, stack.authzAddress);
  };
  // What ingress-nginx sets in every proxied location (the subset that matters here).
  const controllerProxyHeaders = [
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $remote_addr;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
  ];
  return [
    process.getuid?.() === 0 ? 'user root;' : '',
    'daemon off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    server_name _;',
    local(annotations['nginx.ingress.kubernetes.io/server-snippet']),
    '    location /_402/ {', // Ingress turnpike-portal: no annotations
    ...controllerProxyHeaders.map((l) => `      ${l}`),
    `      proxy_pass http://${stack.portal.publicAddress};`,
    '    }',
    '    location / {', // Ingress shop
    ...controllerProxyHeaders.map((l) => `      ${l}`),
    local(annotations['nginx.ingress.kubernetes.io/configuration-snippet']),
    `      proxy_pass http://${stack.upstream.address};`,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

beforeAll(async () => {
  const shop = one(render('overlays/nginx-ingress'), 'Ingress', 'shop');
  stack = await startStack();
  dir = mkdtempSync(path.join(tmpdir(), 'turnpike-ingress-nginx-'));
  port = await freePort();
  writeFileSync(path.join(dir, 'nginx.conf'), ingressStyleConfig(shop.metadata.annotations ?? {}));
  nginx = spawnTracked(gatewayBinary('nginx'), [
    '-p',
    dir,
    '-c',
    path.join(dir, 'nginx.conf'),
    '-e',
    path.join(dir, 'error.log'),
  ]);
  await waitForPort(port, START_TIMEOUT_MS, nginx);
  // An API 402 carries a receive address the authorizer leases from the portal after it starts;
  // until the first lease arrives it answers 503 portal_unavailable (with Retry-After). Wait for it.
  const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
  for (;;) {
    const res = await send(port, { path: `${SCOPE}/warm-up`, headers: { accept: 'application/json' } });
    if (res.headers['x-402-reason'] !== 'portal_unavailable' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
afterAll(async () => {
  await nginx?.stop();
  await stack?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => stack.upstream.reset());

test('a free page passes; identity headers a client sent never reach the app', async () => {
  const res = await send(port, { path: '/free/page', headers: { ...SPOOFED } });
  expect(res.status).toBe(200);
  const seen = stack.upstream.appRequests();
  expect(seen).toHaveLength(1);
  for (const name of IDENTITY_HEADERS) expect(seen[0]!.headers[name] ?? '').toBe('');
});

test('a priced page without a token: 402 JSON with PAYMENT-REQUIRED for an API client', async () => {
  const res = await send(port, { path: `${SCOPE}/doc`, headers: { accept: 'application/json' } });
  expect({ status: res.status, body: res.body }).toEqual({ status: 402, body: expect.stringContaining('{') });
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(res.headers['payment-required']).toBeDefined();
  expect(stack.upstream.appRequests()).toHaveLength(0);
});

test('a priced page without a token: 402 HTML pointing at the pay page, which opens through /_402/', async () => {
  const res = await send(port, { path: `${SCOPE}/doc`, headers: { accept: 'text/html' } });
  expect(res.status).toBe(402);
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/_402\/pay\?ref=[A-Za-z0-9_.-]+$/);
  const page = await send(port, { path: location, headers: { accept: 'text/html' } });
  expect(page.status).toBeLessThan(400);
  expect(stack.upstream.appRequests()).toHaveLength(0);
});

test('a valid token passes with the payer’s identity, whatever the client claimed', async () => {
  const token = await stack.signer.sign(VALID_CLAIMS);
  const res = await send(port, {
    path: `${SCOPE}/doc`,
    headers: { ...SPOOFED, accept: 'application/json', authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const seen = stack.upstream.appRequests();
  expect(seen).toHaveLength(1);
  expect(seen[0]!.headers['x-402-payer']).toBe(PAYER);
  expect(seen[0]!.headers['x-402-scope']).toBe(SCOPE);
});

test('the authorizer down: 503 authz_unavailable, the app is not reached', async () => {
  await stack.authz.close();
  const res = await send(port, { path: '/free/page' });
  expect(res.status).toBe(503);
  expect(res.headers['x-402-reason']).toBe('authz_unavailable');
  expect(stack.upstream.appRequests()).toHaveLength(0);
});
