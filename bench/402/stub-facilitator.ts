/**
 * A STUB x402 facilitator, for bench/402's reference x402 server only. `@x402/express` asks its
 * facilitator `GET /supported` once at start (and refuses to start without an answer); this
 * answers it with the facilitator API's real shape, typed by @x402/core's own `SupportedResponse`
 * and parsed at start by the SDK's client with its schema. It verifies and settles nothing — the
 * bench never presents a payment — and counts every other request, so the driver can check that
 * no measured 402 called out. Runs in the driver process: it is called once, before any load.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SupportedResponse } from '@x402/core/types';

/** The dev mnemonic's first account, named as the facilitator's signer; the stub signs nothing. */
const STUB_SIGNER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

export interface StubFacilitator {
  url: string;
  calls: { supported: number; other: number };
  close(): Promise<void>;
}

/** Starts the stub on 127.0.0.1:0, supporting x402 v2 `exact` on the given CAIP-2 networks. */
export async function startStubFacilitator(networks: Array<`${string}:${string}`>): Promise<StubFacilitator> {
  const supported: SupportedResponse = {
    kinds: networks.map((network) => ({ x402Version: 2, scheme: 'exact', network })),
    extensions: [],
    signers: { 'eip155:*': [STUB_SIGNER] },
  };
  const body = JSON.stringify(supported);
  const calls = { supported: 0, other: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/supported') {
      calls.supported++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    calls.other++;
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"stub: not implemented"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
