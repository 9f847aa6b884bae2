import type { AddressInfo } from 'node:net';
import { createLogger, createMetrics } from '@turnpike/protocol/service';
import type { Decide } from '../../src/core/types.js';
import { createAuthzMetrics } from '../../src/metrics.js';
import { createAuthzHttpServer } from '../../src/transports/http/server.js';
import { send } from '../support/http.js';

// The adapters on their own, with a core that breaks in every way it could: each must deny.
const noop = (): void => undefined;
function serverWith(decide: Decide, render = () => Promise.reject(new Error('render broke'))) {
  return createAuthzHttpServer({
    decide,
    render,
    logger: createLogger({ name: 'test', level: 'silent' }),
    metrics: createAuthzMetrics(createMetrics()),
    healthz: noop,
    readyz: noop,
    metricsHandler: noop,
  });
}
const nginxHeaders = { host: 'shop.example', 'x-original-uri': '/a', 'x-original-method': 'GET' };
const forwardHeaders = {
  'x-forwarded-host': 'shop.example',
  'x-forwarded-uri': '/a',
  'x-forwarded-method': 'GET',
};

describe('HTTP adapters fail closed when the core or the renderer breaks', () => {
  it.each([
    ['a rejected decision', (() => Promise.reject(new Error('core broke'))) as Decide],
    [
      'a synchronous throw',
      (() => {
        throw new Error('core broke');
      }) as Decide,
    ],
  ])('%s: NGINX 403 (not 5xx), forward-auth and Envoy 503, never 200', async (_name, decide) => {
    const server = serverWith(decide);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const nginx = await send(port, { path: '/v1/nginx', headers: nginxHeaders });
      expect(nginx.status).toBe(403);
      expect(nginx.headers['x-402-reason']).toBe('internal_error');
      expect((await send(port, { path: '/v1/forward-auth', headers: forwardHeaders })).status).toBe(503);
      expect((await send(port, { path: '/v1/envoy/a', headers: { host: 'shop.example' } })).status).toBe(503);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a renderer that breaks on a 402: 503, never 200', async () => {
    const decide: Decide = async () => ({ kind: 'forbidden', reason: 'host_unknown' });
    const server = serverWith(decide);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect((await send(port, { path: '/v1/forward-auth', headers: forwardHeaders })).status).toBe(503);
      expect((await send(port, { path: '/v1/nginx/challenge', headers: nginxHeaders })).status).toBe(503);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
