/**
 * Child process for bench/402: the reference x402 server — Express 5 + `@x402/express` v2 with
 * one priced route (`GET /premium/*`, $0.01 USDC on Base Sepolia, `exact`), answering its own 402
 * with PAYMENT-REQUIRED. Its facilitator is the bench's stub (BENCH_FACILITATOR_URL), which the
 * middleware asks `/supported` as it is created. Plain JavaScript, like the other measured servers.
 */
import express from 'express';
import { HTTPFacilitatorClient } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { paymentMiddleware, x402ResourceServer } from '@x402/express';

const facilitatorUrl = process.env.BENCH_FACILITATOR_URL;
if (!facilitatorUrl) throw new Error('BENCH_FACILITATOR_URL is required');
const NETWORK = 'eip155:84532';
// Any fixed address: an x402 server pays every 402 to one wallet.
const PAY_TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl })).register(
  NETWORK,
  new ExactEvmScheme(),
);
const app = express();
app.disable('x-powered-by');
app.use(
  paymentMiddleware(
    {
      'GET /premium/*': {
        accepts: { scheme: 'exact', price: '$0.01', network: NETWORK, payTo: PAY_TO },
        description: 'Access to /premium',
        mimeType: 'application/json',
      },
    },
    resourceServer,
  ),
);
app.get('/premium/*rest', (_req, res) => {
  res.json({ premium: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port }));
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
