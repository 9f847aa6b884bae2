// Baseline: the cheapest node:http server, answering 200 with an empty body to everything.
// Plain JavaScript run by plain node, like the built authz-service it is compared with.
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': '0' });
  res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
