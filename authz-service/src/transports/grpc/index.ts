export { startGrpcServer } from './server.js';
export type { StartGrpcServerOptions, GrpcServerHandle } from './server.js';
export type { RenderDenialFn } from './contract.js';
export {
  authorizationServiceDefinition,
  authorizationClientConstructor,
  envoyProtoIncludeDirs,
  CHECK_METHOD_PATH,
  ENVOY_PROTO_OPTIONS,
} from './protos.js';
export { healthServiceDefinition } from './health.js';
