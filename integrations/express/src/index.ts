// @turnpike/express — Turnpike's forward-auth contract for Express: a whole gateway, or a middleware.
export { turnpikeGateway, DEFAULT_AUTHZ_TIMEOUT_MS, type TurnpikeGatewayOptions } from './gateway.js';
export { turnpikeMiddleware, type TurnpikeMiddlewareOptions } from './middleware.js';
export { checkAccess, type AccessVerdict, type CheckAccessOptions } from './check-access.js';
export {
  IDENTITY_HEADERS,
  CLIENT_HEADERS_FOR_AUTHZ,
  CLIENT_RESPONSE_HEADERS,
  USAGE_HEADER,
} from './headers.js';
export { reportUsage, type UsageReportResult, type UsageReportBody } from './report-usage.js';
export { EXPRESS_REASONS, type ExpressReason } from './reasons.js';
export { TurnpikeExpressError } from './errors.js';
