/**
 * When a request carries a payment proof, the authorizer allows it and hands the client a token
 * (Set-Cookie, X-402-Token) and a receipt (PAYMENT-RESPONSE for x402 v2, X-PAYMENT-RESPONSE for v1)
 * in its 2xx answer. Producing that
 * answer for real takes an on-chain payment (the payment suites do it end to end); this suite
 * checks only the gateway half — that each shipped config carries those headers from the 2xx
 * auth answer to the client — with a scripted authorizer that always answers such an allow.
 */
import { createServer, type Server } from 'node:http';
import { GATEWAY_KINDS, startGateway, type RunningGateway } from '../support/gateways.js';
import { closeServer, listenLocal } from '../support/http.js';
import { startTestUpstream, type TestUpstream } from '../support/upstream.js';
import { send } from './run-table.js';

const ISSUED = {
  'x-402-payer': '0xpayer',
  'x-402-token-id': 'jti-1',
  'x-402-claims': 'e30',
  'x-402-scope': '/premium',
  'x-402-token': 'eyJ.token.sig',
  'payment-response': 'eyJzdWNjZXNzIjp0cnVlfQ',
  // A real answer carries one receipt (v2 or v1); both here so one request checks both names.
  'x-payment-response': 'eyJ2IjoxfQ',
  'set-cookie': ['402_token_L3ByZW1pdW0=eyJ.token.sig; Path=/premium; HttpOnly; SameSite=Lax'],
};

let authz: Server;
let authzAddress: string;
let upstream: TestUpstream;

beforeAll(async () => {
  authz = createServer((_req, res) => {
    res.writeHead(200, { ...ISSUED, 'content-length': '0' });
    res.end();
  });
  authzAddress = `127.0.0.1:${await listenLocal(authz)}`;
  upstream = await startTestUpstream();
});
afterAll(async () => {
  await upstream?.close();
  await closeServer(authz);
});

describe.each(GATEWAY_KINDS.map((k) => [k]))('%s passes a token issued on allow to the client', (kind) => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(kind, {
      authz: authzAddress,
      portal: upstream.address,
      upstream: upstream.address,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('Set-Cookie, X-402-Token, PAYMENT-RESPONSE and X-PAYMENT-RESPONSE reach the client; the identity reaches the app', async () => {
    upstream.reset();
    const res = await send(gateway.port, {
      path: '/premium/doc',
      headers: { 'x-payment-chain': 'base', 'x-payment-tx': '0xabc' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-402-token']).toBe(ISSUED['x-402-token']);
    expect(res.headers['payment-response']).toBe(ISSUED['payment-response']);
    expect(res.headers['x-payment-response']).toBe(ISSUED['x-payment-response']);
    expect(res.headers['set-cookie']).toEqual(expect.arrayContaining(ISSUED['set-cookie']));
    const seen = upstream.appRequests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-402-payer']).toBe('0xpayer');
    // The token is for the client, not for the app.
    expect(seen[0]!.headers['x-402-token']).toBeUndefined();
  });
});
