// Baseline: a grpc-js server with Envoy's Authorization/Check that allows everything at once.
// Loads the same Envoy protos as the authorizer, from its build (npm run build).
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { authorizationServiceDefinition } from '../../authz-service/dist/transports/grpc/protos.js';

const server = new Server();
server.addService(authorizationServiceDefinition(), {
  Check(_call, callback) {
    callback(null, { status: { code: 0 }, ok_response: { headers: [] } });
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ ready: true, port }));
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
