import {
  loadPackageDefinition,
  type Server,
  type ServiceDefinition,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { ENVOY_PROTO_OPTIONS } from './protos.js';

/**
 * grpc.health.v1 is not among the protos @grpc/grpc-js-xds ships, so it is described here
 * from its published field numbers (service string = 1; status enum = 1).
 */
const HEALTH_DESCRIPTOR = {
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: {
                    ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } },
                  },
                },
                Health: {
                  methods: {
                    Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** Service names the health service knows: '' (the whole server) and the ext_authz service. */
export const HEALTH_SERVICES = ['', 'envoy.service.auth.v3.Authorization'] as const;

/** The `grpc.health.v1.Health` service definition. */
export function healthServiceDefinition(): ServiceDefinition {
  const grpcObject = loadPackageDefinition(
    fromJSON(HEALTH_DESCRIPTOR as Parameters<typeof fromJSON>[0], ENVOY_PROTO_OPTIONS),
  );
  const health = (
    grpcObject as unknown as { grpc: { health: { v1: { Health: { service: ServiceDefinition } } } } }
  ).grpc.health.v1.Health;
  return health.service;
}

/** Adds `grpc.health.v1.Health/Check`, answering SERVING only while `isServing()` is true. */
export function addHealthService(server: Server, isServing: () => boolean): void {
  server.addService(healthServiceDefinition(), {
    Check(
      call: ServerUnaryCall<{ service?: string }, unknown>,
      callback: sendUnaryData<{ status: ServingStatus }>,
    ) {
      const service = call.request.service ?? '';
      if (!(HEALTH_SERVICES as readonly string[]).includes(service)) {
        callback(null, { status: 'SERVICE_UNKNOWN' });
        return;
      }
      callback(null, { status: isServing() ? 'SERVING' : 'NOT_SERVING' });
    },
  });
}
