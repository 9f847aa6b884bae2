/**
 * Child process for bench/402: the node:http floor. A bare `node:http` server that answers every
 * request with the recorded bytes of one API 402 the authorizer gave (status, headers, body, from
 * BENCH_REPLAY_FILE), after reading the request headers the authorizer reads. Measured with the
 * same request as the authorizer, it is what an API 402 costs with no decision and no rendering:
 * the most any 402 served by node:http could reach here.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** @type {{ status: number; headers: Record<string, string>; body: string }} */
const recorded = JSON.parse(readFileSync(process.env.BENCH_REPLAY_FILE ?? '', 'utf8'));
const length = String(Buffer.byteLength(recorded.body));
let seen = 0;
const server = createServer((req, res) => {
  const h = req.headers;
  // Touch what the authorizer reads, so both build the same headers object.
  if (h['x-forwarded-uri'] && h['x-forwarded-host'] && h.accept && !h.cookie && !h.authorization) seen++;
  res.writeHead(recorded.status, { ...recorded.headers, 'content-length': length });
  res.end(recorded.body, 'utf8');
});
server.keepAliveTimeout = 130_000;
server.headersTimeout = 131_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(seen >= 0 ? 0 : 1)));
