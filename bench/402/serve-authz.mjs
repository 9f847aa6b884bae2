/**
 * Child process for bench/402: the real authz-service (built dist/) with a static priced route and
 * the real portal behind it (payee, address leases). Config arrives as JSON in BENCH_AUTHZ_INPUT:
 * { jwksFile, issuer, host, price, portalUrl, addressBuffer, leaseSize }; the portal's internal
 * secret in BENCH_PORTAL_TOKEN.
 *
 * Beside the authorizer it listens on a second loopback port, the bench's control port (not part of
 * the service): `POST /fill?count=n` calls the handle's `challengeAddresses.fill(n)` and answers
 * `{ size }` once the buffer holds n leased addresses; `GET /size` answers `{ size }`. The driver
 * fills the buffer between measured rounds, so no lease runs while a round is measured.
 */
import { createServer } from 'node:http';
import { loadAuthzConfig, startAuthzService } from '@turnpike/authz-service';
import { createLogger } from '@turnpike/protocol/service';

/** @type {{ jwksFile: string; issuer: string; host: string; price: Record<string, unknown>; portalUrl: string; addressBuffer: number; leaseSize: number }} */
const input = JSON.parse(process.env.BENCH_AUTHZ_INPUT ?? '{}');
const { config } = await loadAuthzConfig({
  env: { BENCH_PORTAL_TOKEN: process.env.BENCH_PORTAL_TOKEN ?? '' },
  base: {
    listeners: { host: '127.0.0.1', httpPort: 0 },
    issuer: input.issuer,
    jwks: { file: input.jwksFile },
    routes: [{ name: 'bench', hosts: [input.host], paths: ['/premium/**'], request: input.price }],
    portal: { internalUrl: input.portalUrl, token: { fromEnv: 'BENCH_PORTAL_TOKEN' } },
    challenges: { addressBuffer: input.addressBuffer, leaseSize: input.leaseSize },
    logLevel: 'silent',
  },
});
const authz = await startAuthzService(config, {
  logger: createLogger({ name: 'authz-bench', level: 'silent' }),
});

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control');
  const answer = (status, body) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.method === 'GET' && url.pathname === '/size') {
    answer(200, { size: authz.challengeAddresses.size() });
    return;
  }
  const count = Number(url.searchParams.get('count'));
  if (req.method === 'POST' && url.pathname === '/fill' && Number.isSafeInteger(count) && count >= 0) {
    authz.challengeAddresses.fill(count).then(
      () => answer(200, { size: authz.challengeAddresses.size() }),
      (err) => answer(503, { error: String(err) }),
    );
    return;
  }
  answer(404, { error: 'GET /size or POST /fill?count=n' });
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ ready: true, httpPort: authz.httpPort, controlPort: control.address().port }));
process.on('SIGTERM', () => {
  control.close();
  void authz.close().then(() => process.exit(0));
});
