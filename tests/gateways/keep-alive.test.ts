/**
 * Keep-alive through real NGINX with the shipped config: NGINX keeps idle upstream connections
 * for 60 s (its upstream keepalive_timeout default), so the services must keep them longer.
 * Node's own default is 5 s; a service that closed an idle connection at 5 s made NGINX open a
 * new one (at best) or write a request into the closing socket (a reset, a failed settle POST).
 * A counting relay between NGINX and each service shows whether the idle connection was reused.
 */
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { startGateway, type RunningGateway } from '../support/gateways.js';
import { send } from './run-table.js';
import { startStack, type Stack } from './stack.js';

/** Longer than Node's default keepAliveTimeout (5 s), far below NGINX's 60 s. */
const IDLE_MS = 6_500;

let stack: Stack;
let portal: CountingProxy;
let authz: CountingProxy;
let nginx: RunningGateway;

beforeAll(async () => {
  stack = await startStack();
  portal = await startCountingProxy(stack.portal.publicAddress);
  authz = await startCountingProxy(stack.authzAddress);
  nginx = await startGateway('nginx', {
    authz: authz.address,
    portal: portal.address,
    upstream: stack.upstream.address,
  });
});
afterAll(async () => {
  await nginx?.stop();
  await portal?.close();
  await authz?.close();
  await stack?.close();
});

it('an idle upstream connection to the portal and to the authorizer is reused after more than 5 s', async () => {
  const round = async () => {
    const jwks = await send(nginx.port, { path: '/_402/.well-known/jwks.json' });
    expect({ status: jwks.status, body: jwks.body.slice(0, 200) }).toMatchObject({ status: 200 });
    const page = await send(nginx.port, { path: '/free/page' });
    expect({ status: page.status, body: page.body.slice(0, 200) }).toMatchObject({ status: 200 });
  };
  await round();
  expect([portal.accepted, authz.accepted]).toEqual([1, 1]);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  // Neither service closed its idle connection, so NGINX sends the next requests on the same ones.
  expect({ portal: portal.closedByService, authz: authz.closedByService }).toEqual({ portal: 0, authz: 0 });
  await round();
  expect({ portal: portal.accepted, authz: authz.accepted }).toEqual({ portal: 1, authz: 1 });
}, 30_000);
