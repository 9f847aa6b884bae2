/**
 * The recording upstream (tests/support/upstream.ts) as its own process, so the storm's 50 payers
 * in the Jest process never slow the app the authorizers probe. Prints `upstream <port> <control
 * port>` once listening; `GET /recorded` on the control port answers what the app saw (method,
 * url, whether it was the authorizer's probe). The price comes as base64 JSON in argv[2].
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestUpstream, type PaymentRequestWireJson } from '../support/upstream.js';

async function main(): Promise<void> {
  const price = JSON.parse(
    Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8'),
  ) as PaymentRequestWireJson;
  const upstream = await startTestUpstream({ price });
  const control = createServer((req, res) => {
    if (req.url !== '/recorded') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(upstream.requests.map((r) => ({ method: r.method, url: r.url, probe: r.probe }))));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`upstream ${upstream.port} ${(control.address() as AddressInfo).port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`upstream failed: ${(err as Error).message}\n`);
  process.exit(1);
});
