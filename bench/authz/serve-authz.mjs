/**
 * Child process for the bench: the real authz-service (HTTP + gRPC) with a static priced route
 * and a JWKS file, no upstream probing and no portal on the measured paths. Config arrives as
 * JSON in BENCH_AUTHZ_INPUT: { jwksFile, issuer, host, price }. Plain JavaScript on the built
 * packages (npm run build), so what is measured is what production runs: no TypeScript loader.
 */
import { loadAuthzConfig, startAuthzService } from '@turnpike/authz-service';
import { createLogger } from '@turnpike/protocol/service';

/**
 * `metered` (optional): a `credits` route at /metered/** and the real portal that leases its
 * credit blocks (bench row b-credits). `decisionCacheMaxAgeSeconds` (optional): 0 decides every
 * request (row b-decided: no allow memo).
 * @type {{ jwksFile: string; issuer: string; host: string; price: Record<string, unknown>;
 *   metered?: { price: Record<string, unknown>; internalUrl: string; token: string };
 *   decisionCacheMaxAgeSeconds?: number }}
 */
const input = JSON.parse(process.env.BENCH_AUTHZ_INPUT ?? '{}');
const { config } = await loadAuthzConfig({
  env: { BENCH_PORTAL_TOKEN: input.metered?.token ?? 'bench-unused-portal-token' },
  base: {
    listeners: { host: '127.0.0.1', httpPort: 0, grpcPort: 0 },
    issuer: input.issuer,
    jwks: { file: input.jwksFile },
    routes: [
      { name: 'bench', hosts: [input.host], paths: ['/premium/**'], request: input.price },
      ...(input.metered === undefined
        ? []
        : [{ name: 'metered', hosts: [input.host], paths: ['/metered/**'], request: input.metered.price }]),
    ],
    // The pass paths (allow, 401) never call the portal; the metered one leases credit blocks from it.
    portal: {
      internalUrl: input.metered?.internalUrl ?? 'http://127.0.0.1:9',
      token: { fromEnv: 'BENCH_PORTAL_TOKEN' },
    },
    logLevel: 'silent',
    ...(input.decisionCacheMaxAgeSeconds === undefined
      ? {}
      : { decisionCache: { maxAgeSeconds: input.decisionCacheMaxAgeSeconds } }),
  },
});
const authz = await startAuthzService(config, {
  logger: createLogger({ name: 'authz-bench', level: 'silent' }),
});
console.log(JSON.stringify({ ready: true, httpPort: authz.httpPort, grpcPort: authz.grpcPort }));
process.on('SIGTERM', () => {
  void authz.close().then(() => process.exit(0));
});
