/**
 * Child process for the bench (row b-floor): a bare node:http server that answers every request
 * the way the authorizer answers a memo hit, and nothing else. It reads the request's memo key
 * with the authorizer's own reader (memo-key.ts), looks it up in the authorizer's own memo
 * (allow-memo.ts) and writes the stored allow's headers; the one allow it stores (on the first
 * request) is the headers of a real allow recorded by the driver (BENCH_FLOOR_HEADERS, a flat
 * name/value list). No routing, decision, metrics or service around it: what a memo hit costs in
 * node:http, the floor of row (b). Plain JavaScript on the built authz-service, like the others.
 */
import { createServer } from 'node:http';
import {
  AllowMemoStore,
  memoized,
  rememberAllow,
} from '../../authz-service/dist/transports/http/allow-memo.js';

/** @type {string[]} */
const recorded = JSON.parse(process.env.BENCH_FLOOR_HEADERS ?? '[]');
const memo = new AllowMemoStore(4096);
// The driver's token lives an hour; the memo keeps an allow at most 300 s (the config ceiling).
const CACHE_MS = 300_000;
const store = (_req, res) => {
  const n = CACHE_MS / 1000;
  const flat = [...recorded, 'cache-control', `private, max-age=${n}`, 'x-accel-expires', String(n)];
  rememberAllow(res, { kind: 'allow', cacheUntilMs: Date.now() + CACHE_MS }, recorded, n, flat);
  res.writeHead(200, flat);
  res.end();
};
const handler = memoized(
  memo,
  {
    dialect: 'nginx',
    method: 'x-original-method',
    host: undefined,
    proto: 'x-forwarded-proto',
    uri: 'x-original-uri',
  },
  store,
  () => {},
);
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
