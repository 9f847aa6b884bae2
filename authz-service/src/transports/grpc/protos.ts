import { createRequire } from 'node:module';
import path from 'node:path';
import {
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** Entry file of Envoy's ext_authz v3 service, relative to the envoy-api include dir. */
export const EXT_AUTHZ_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/** Fully qualified gRPC method Envoy calls. */
export const CHECK_METHOD_PATH = '/envoy.service.auth.v3.Authorization/Check';

/**
 * keepCase keeps the proto field names (`ok_response`, `headers_to_remove`), which is what the
 * Envoy docs use. Caveat (measured): protobufjs' well-known types keep their camelCase names
 * (`stringValue`), so a Struct must be written in camelCase even with keepCase on.
 */
export const ENVOY_PROTO_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/**
 * Include dirs of the Envoy, xds, googleapis and validate protos shipped by @grpc/grpc-js-xds.
 * Resolved at run time so the repo never carries copies of them.
 */
export function envoyProtoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(root, 'deps', dir));
}

let cached: ServiceDefinition | undefined;

/** The `envoy.service.auth.v3.Authorization` service definition (loaded once per process). */
export function authorizationServiceDefinition(): ServiceDefinition {
  if (cached) return cached;
  const definition = loadSync([EXT_AUTHZ_PROTO], {
    ...ENVOY_PROTO_OPTIONS,
    includeDirs: envoyProtoIncludeDirs(),
  });
  const grpcObject = loadPackageDefinition(definition);
  const authorization = lookup(grpcObject, ['envoy', 'service', 'auth', 'v3', 'Authorization']);
  if (typeof authorization !== 'function' || !('service' in authorization)) {
    throw new Error('envoy.service.auth.v3.Authorization not found in the loaded protos');
  }
  cached = (authorization as unknown as { service: ServiceDefinition }).service;
  return cached;
}

/** The generated client constructor for `Authorization` (tests and bench use it). */
export function authorizationClientConstructor(): ServiceClientConstructor {
  const definition = loadSync([EXT_AUTHZ_PROTO], {
    ...ENVOY_PROTO_OPTIONS,
    includeDirs: envoyProtoIncludeDirs(),
  });
  const grpcObject = loadPackageDefinition(definition);
  return lookup(grpcObject, ['envoy', 'service', 'auth', 'v3', 'Authorization']) as ServiceClientConstructor;
}

function lookup(root: GrpcObject, names: string[]): unknown {
  let node: unknown = root;
  for (const name of names) {
    node = (node as Record<string, unknown> | undefined)?.[name];
  }
  return node;
}
