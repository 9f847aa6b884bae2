import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { REASONS } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { AllowDecision, Decide, Decider, Decision, NeutralRequest } from '../../core/types.js';
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
  /** The core; with `decideCached` (createDecider's), cached decisions are answered in the same tick. */
  decide: Decide & Partial<Pick<Decider, 'decideCached'>>;
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

  const allows = opts.metrics.decisions.labels('allow', 'envoy-grpc', '');
  const seconds = opts.metrics.decisionSeconds.labels('envoy-grpc');
  const definition = authorizationServiceDefinition();
  const serializeCheck = definition['Check']!.responseSerialize as (m: CheckResponseMessage) => Buffer;
  // The common allow (a token whose every identity header has a value, nothing for the client)
  // answers the same message for the same identity: built and serialised once per identity.
  const okByIdentity = new WeakMap<AllowDecision['identity'], CheckResponseMessage>();
  const serialized = new WeakMap<CheckResponseMessage, Buffer>();

  const okFor = (decision: AllowDecision, request: NeutralRequest): CheckResponseMessage => {
    if (decision.responseHeaders === undefined) {
      const known = okByIdentity.get(decision.identity);
      if (known !== undefined) return known;
    }
    const identityHeaders = identityHeadersFor(decision);
    const build = (): CheckResponseMessage =>
      okResponse({
        identityHeaders,
        identityHeaderNames: IDENTITY_HEADERS,
        clientHeaders: request.headers,
        responseHeaders: decision.responseHeaders,
      });
    // With a value for every identity header, nothing depends on what the client sent.
    const shared =
      decision.responseHeaders === undefined && IDENTITY_HEADERS.every((h) => identityHeaders[h] !== '');
    const ok = build();
    if (shared) {
      serialized.set(ok, serializeCheck(ok));
      okByIdentity.set(decision.identity, ok);
    }
    return ok;
  };

  const record = (decision: Decision, started: number): void => {
    seconds.observe((performance.now() - started) / 1000);
    if (decision.kind === 'allow') allows.inc();
    else opts.metrics.decisions.labels(decision.kind, 'envoy-grpc', decision.reason).inc();
  };

  const answer = (
    decision: Decision,
    request: NeutralRequest,
  ): CheckResponseMessage | Promise<CheckResponseMessage> => {
    if (decision.kind === 'allow') return okFor(decision, request);
    const rendered = opts.renderDenial(decision, request);
    return rendered instanceof Promise
      ? rendered.then((r) => deniedResponse(DENIAL_GRPC_STATUS[decision.kind], decision.reason, r))
      : deniedResponse(DENIAL_GRPC_STATUS[decision.kind], decision.reason, rendered);
  };

  /** The response, synchronously when the core decides from its caches (no promise, no microtask). */
  function check(message: CheckRequestMessage): CheckResponseMessage | Promise<CheckResponseMessage> {
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
    const started = performance.now();
    const cached = opts.decide.decideCached?.(request, log);
    if (cached !== undefined) {
      record(cached, started);
      return answer(cached, request);
    }
    return opts.decide(request, log).then((decision) => {
      record(decision, started);
      return answer(decision, request);
    });
  }

  const failed = (callback: sendUnaryData<CheckResponseMessage>, err: unknown): void => {
    // Fail closed with an answer Envoy reads as a denial, not a transport error: a
    // transport error would hand the choice to failure_mode_allow.
    opts.logger.error({ err, transport: 'envoy-grpc' }, 'check failed; denying');
    opts.metrics.decisions.inc({
      outcome: 'unavailable',
      transport: 'envoy-grpc',
      reason: REASONS.INTERNAL_ERROR,
    });
    callback(null, plainDenial(GrpcStatus.UNAVAILABLE, 503, REASONS.INTERNAL_ERROR, 'authorizer error'));
  };

  server.addService(
    {
      ...definition,
      // A shared allow is sent as the bytes serialised when it was built.
      Check: {
        ...definition['Check']!,
        responseSerialize: (m: CheckResponseMessage) => serialized.get(m) ?? serializeCheck(m),
      },
    },
    {
      Check(
        call: ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>,
        callback: sendUnaryData<CheckResponseMessage>,
      ) {
        let response: CheckResponseMessage | Promise<CheckResponseMessage>;
        try {
          response = check(call.request);
        } catch (err) {
          failed(callback, err);
          return;
        }
        if (response instanceof Promise)
          response.then(
            (r) => callback(null, r),
            (err: unknown) => failed(callback, err),
          );
        else callback(null, response);
      },
    },
  );
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
