/**
 * What the gRPC transport needs from the decision core, stated structurally so the transport
 * never imports gateway-neutral internals it does not use. app.ts passes the core's own
 * functions (decide, and renderDenial bound to its deps); TypeScript checks they fit.
 */
export interface GrpcNeutralRequest {
  transport: 'envoy-grpc';
  method: string;
  scheme: string;
  host: string;
  /** Origin-form target with its query, exactly as Envoy sent it (not decoded). */
  uri: string;
  /** Lower-case names, as Envoy sends them. */
  headers: Record<string, string>;
  /** context_extensions["route"] (or ["route_name"]): names a static route for this Envoy route. */
  routeName?: string;
  clientAddress?: string;
}

export interface GrpcAllowDecision {
  kind: 'allow';
  /** Headers for the upstream (every identity header, set or emptied). */
  responseHeaders?: Record<string, string | string[]>;
}

export interface GrpcDenyDecision {
  kind: 'payment_required' | 'forbidden' | 'unavailable';
  reason: string;
}

export type GrpcDecision = GrpcAllowDecision | GrpcDenyDecision;

export interface RenderedDenial {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** Identity header names (mirrors IDENTITY_HEADERS of core/identity-headers.ts until it lands). */
export const IDENTITY_HEADER_NAMES: readonly string[] = ['x-402-payer', 'x-402-token-id', 'x-402-claims', 'x-402-scope'];

/** Identity header values of an allow (replaced by render's identityHeadersFor once it lands). */
export function identityHeadersOf(decision: GrpcAllowDecision): Record<string, string> {
  return (decision as GrpcAllowDecision & { identityHeaders?: Record<string, string> }).identityHeaders ?? {};
}
