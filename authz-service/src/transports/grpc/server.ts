import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { REASONS } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { Decide, NeutralRequest } from '../../core/types.js';
import { IDENTITY_HEADERS } from '../../core/identity-headers.js';
import type { AuthzMetrics } from '../../metrics.js';
import { identityHeadersFor } from '../../render/identity.js';
import type { RenderDenialFn } from './contract.js';
import { toNeutralRequest, InvalidCheckRequestError, type CheckRequestMessage } from './check-request.js';
import {
  okResponse,
  deniedResponse,
  plainDenial,
  DENIAL_GRPC_STATUS,
  type CheckResponseMessage,
} from './check-response.js';
import { authorizationServiceDefinition } from './protos.js';
import { addHealthService } from './health.js';

export interface StartGrpcServerOptions {
  decide: Decide;
  /** The core's renderDenial bound to its deps: the full 402/403/503 response for a denial. */
  renderDenial: RenderDenialFn;
  logger: Logger;
  metrics: AuthzMetrics;
  host: string;
  port: number;
  /** Health answers SERVING only while this is true (e.g. signing keys loaded). Default: always. */
  isReady?: () => boolean;
}

export interface GrpcServerHandle {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts Envoy's ext_authz v3 `Authorization/Check` (plus grpc.health.v1) on its own port.
 * Every path that is not a clean allow from the core ends in a denied CheckResponse: Envoy
 * denies on any non-OK status, so nothing here can allow by accident.
 */
export async function startGrpcServer(opts: StartGrpcServerOptions): Promise<GrpcServerHandle> {
  const log = opts.logger.child({ transport: 'envoy-grpc' });
  const server = new Server();

  async function check(message: CheckRequestMessage): Promise<CheckResponseMessage> {
    let request: NeutralRequest;
    try {
      request = toNeutralRequest(message);
    } catch (err) {
      if (!(err instanceof InvalidCheckRequestError)) throw err;
      opts.metrics.decisions.inc({
        outcome: 'forbidden',
        transport: 'envoy-grpc',
        reason: REASONS.CHECK_REQUEST_INVALID,
      });
      return plainDenial(GrpcStatus.INVALID_ARGUMENT, 403, REASONS.CHECK_REQUEST_INVALID, err.message);
    }
    const started = process.hrtime.bigint();
    const decision = await opts.decide(request, log);
    opts.metrics.decisionSeconds.observe(
      { transport: 'envoy-grpc' },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    opts.metrics.decisions.inc({
      outcome: decision.kind,
      transport: 'envoy-grpc',
      reason: decision.kind === 'allow' ? '' : decision.reason,
    });
    if (decision.kind === 'allow') {
      return okResponse({
        identityHeaders: identityHeadersFor(decision),
        identityHeaderNames: IDENTITY_HEADERS,
        clientHeaders: request.headers,
        responseHeaders: decision.responseHeaders,
      });
    }
    const rendered = await opts.renderDenial(decision, request);
    return deniedResponse(DENIAL_GRPC_STATUS[decision.kind], decision.reason, rendered);
  }

  server.addService(authorizationServiceDefinition(), {
    Check(
      call: ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>,
      callback: sendUnaryData<CheckResponseMessage>,
    ) {
      check(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => {
          // Fail closed with an answer Envoy reads as a denial, not a transport error: a
          // transport error would hand the choice to failure_mode_allow.
          opts.logger.error({ err, transport: 'envoy-grpc' }, 'check failed; denying');
          opts.metrics.decisions.inc({
            outcome: 'unavailable',
            transport: 'envoy-grpc',
            reason: REASONS.INTERNAL_ERROR,
          });
          callback(
            null,
            plainDenial(GrpcStatus.UNAVAILABLE, 503, REASONS.INTERNAL_ERROR, 'authorizer error'),
          );
        },
      );
    },
  });
  addHealthService(server, opts.isReady ?? (() => true));

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(err);
      else resolve(bound);
    });
  });
  opts.logger.info({ port, transport: 'envoy-grpc' }, 'grpc ext_authz listening');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Let in-flight checks finish for a moment, then cut the rest.
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
