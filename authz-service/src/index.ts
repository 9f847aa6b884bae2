// @turnpike/authz-service — the authorizer: decision core, gateway dialects, the 402.
export { startAuthzService, type AuthzServiceHandle, type StartAuthzServiceOptions } from './app.js';
export {
  AUTHZ_DEFAULTS,
  AUTHZ_ENV_PREFIX,
  authzConfigSchema,
  loadAuthzConfig,
  resolveAuthzConfig,
} from './config/index.js';
export type {
  AuthzConfig,
  AuthzConfigInput,
  LoadedAuthzConfig,
  LoadAuthzConfigOptions,
  RouteConfig,
} from './config/index.js';
export { createDecider, type DeciderDeps } from './core/decide.js';
export { IDENTITY_HEADERS, type IdentityHeader } from './core/identity-headers.js';
export type {
  AllowDecision,
  Decide,
  Decider,
  DecisionLogger,
  Decision,
  DenyDecision,
  ForbiddenDecision,
  Identity,
  NeutralRequest,
  PaymentRequiredDecision,
  RenderedResponse,
  ResolvedRequirement,
  Transport,
  UnavailableDecision,
} from './core/types.js';
export { createAuthzMetrics, type AuthzMetrics } from './metrics.js';
export {
  createPortalClient,
  PortalError,
  type PortalClient,
  type PortalClientOptions,
} from './portal/client.js';
export { AUTHZ_REASONS, type AuthzReason } from './reasons.js';
export { EXPOSE_HEADERS, identityHeadersFor, renderDenial, type RenderDeps } from './render/index.js';
export type { PurgeSelector } from './requirements/probe-cache.js';
export { PROBE_HEADERS } from './requirements/probe.js';
export { TOKEN_ALGORITHMS } from './tokens/algorithms.js';
