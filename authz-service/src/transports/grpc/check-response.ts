import { status as GrpcStatus } from '@grpc/grpc-js';
import type { DenyDecision, RenderedResponse } from '../../core/types.js';

/** HeaderValueOption as written with keepCase (envoy.config.core.v3). */
export interface HeaderValueOption {
  header: { key: string; value: string };
  append_action: 'APPEND_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS_OR_ADD';
}

export interface CheckResponseMessage {
  status: { code: number; message?: string };
  ok_response?: {
    headers: HeaderValueOption[];
    headers_to_remove: string[];
    response_headers_to_add: HeaderValueOption[];
  };
  denied_response?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
}

type HeaderValues = Record<string, string | string[] | undefined>;

/**
 * Allow: the identity headers replace whatever the client sent (OVERWRITE_IF_EXISTS_OR_ADD);
 * an identity header with no value this time is removed instead, since Envoy applies
 * headers_to_remove after the sets and would drop a header set in the same response.
 */
export function okResponse(input: {
  identityHeaders: Record<string, string>;
  identityHeaderNames: readonly string[];
  clientHeaders: Record<string, string | undefined>;
  responseHeaders: HeaderValues | undefined;
}): CheckResponseMessage {
  const headers: HeaderValueOption[] = [];
  const headersToRemove: string[] = [];
  for (const name of input.identityHeaderNames) {
    const value = input.identityHeaders[name];
    if (value !== undefined && value !== '') {
      headers.push({ header: { key: name, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
    } else if (input.clientHeaders[name] !== undefined) {
      headersToRemove.push(name);
    }
  }
  return {
    status: { code: GrpcStatus.OK },
    ok_response: {
      headers,
      headers_to_remove: headersToRemove,
      response_headers_to_add: headerOptions(input.responseHeaders ?? {}),
    },
  };
}

/** gRPC status carried with each kind of denial (Envoy denies on any non-OK status). */
export const DENIAL_GRPC_STATUS: Record<DenyDecision['kind'], GrpcStatus> = {
  payment_required: GrpcStatus.PERMISSION_DENIED,
  forbidden: GrpcStatus.PERMISSION_DENIED,
  rate_limited: GrpcStatus.RESOURCE_EXHAUSTED,
  conflict: GrpcStatus.ALREADY_EXISTS,
  bad_request: GrpcStatus.INVALID_ARGUMENT,
  unavailable: GrpcStatus.UNAVAILABLE,
};

/** Deny: the rendered status, headers and body go to the client as Envoy's local reply. */
export function deniedResponse(
  grpcCode: GrpcStatus,
  reason: string,
  rendered: RenderedResponse,
): CheckResponseMessage {
  return {
    status: { code: grpcCode, message: reason },
    denied_response: {
      status: { code: rendered.status },
      headers: headerOptions(rendered.headers),
      body: rendered.body,
    },
  };
}

/** A denial built by the transport itself, for requests it cannot hand to the core. */
export function plainDenial(
  grpcCode: GrpcStatus,
  httpStatus: number,
  reason: string,
  message: string,
): CheckResponseMessage {
  return deniedResponse(grpcCode, reason, {
    status: httpStatus,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: httpStatus === 503 ? 'unavailable' : 'forbidden', reason, message }),
  });
}

function headerOptions(headers: HeaderValues): HeaderValueOption[] {
  const options: HeaderValueOption[] = [];
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = rawName.toLowerCase();
    // Each value of a repeated header (set-cookie) is its own entry, appended.
    const values = Array.isArray(value) ? value : [value];
    const append_action = Array.isArray(value) ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
    for (const v of values) options.push({ header: { key, value: v }, append_action });
  }
  return options;
}
