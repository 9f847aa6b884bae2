export { canonicalBase64url } from './canonical-json.js';
export { mppChallengeId, type MppChallengeParams } from './challenge-id.js';
export { isMppPushChallengeId, mppPushChallengeId } from './push-challenge-id.js';
export { authParam, paymentChallenge } from './auth-params.js';
export {
  isPaymentAuthorization,
  MAX_MPP_CREDENTIAL_CHARS,
  mppCredentialSchema,
  mppEchoedChallengeSchema,
  parseMppCredential,
  type MppCredential,
  type MppEchoedChallenge,
} from './credential.js';
export {
  encodeMppReceipt,
  EVM_NATIVE_CURRENCY,
  MPP_CHARGE_INTENT,
  MPP_METHODS,
  mppEvmAuthorizationPayloadSchema,
  mppEvmChargeRequestSchema,
  mppEvmHashPayloadSchema,
  mppOpaqueSchema,
  mppSolanaChargeRequestSchema,
  mppSolanaSignaturePayloadSchema,
  type MppEvmChargeRequest,
  type MppOpaque,
  type MppReceipt,
  type MppSolanaChargeRequest,
} from './charge.js';
export { MPP_PROBLEM_BASE, mppProblemFor, type MppProblemCode } from './problem.js';
