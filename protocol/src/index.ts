// @turnpike/protocol — the wire formats authz-service and payment-portal share.
export { REASONS, REQUEST_REASONS, PATH_REASONS, isReason, type Reason, type ReasonKey } from './reasons.js';
export { ProtocolError, isProtocolError } from './errors.js';
export * from './amount/index.js';
export * from './networks/index.js';
export * from './payment-request/index.js';
export * from './scope/index.js';
export * from './claims/index.js';
export * from './receipts/index.js';
export * from './x402/index.js';
export * from './portal-api/index.js';
export * from './sealed/index.js';
export * from './challenge/index.js';
export * from './random/index.js';
export * from './pay-link/index.js';
export * from './mpp/index.js';
export { canonicalJson } from './internal/canonical-json.js';
