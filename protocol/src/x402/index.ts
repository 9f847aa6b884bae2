export { atomicAmountSchema, x402ResourceInfoSchema, type X402ResourceInfo } from './common.js';
export {
  x402PaymentRequirementsV1Schema,
  x402PaymentRequiredV1Schema,
  x402PaymentPayloadV1Schema,
  type X402PaymentRequirementsV1,
  type X402PaymentRequiredV1,
  type X402PaymentPayloadV1,
} from './v1.js';
export {
  x402PaymentRequirementsV2Schema,
  x402PaymentRequiredV2Schema,
  x402PaymentPayloadV2Schema,
  type X402PaymentRequirementsV2,
  type X402PaymentRequiredV2,
  type X402PaymentPayloadV2,
} from './v2.js';
export { x402ExactEvmPayloadSchema, type X402ExactEvmPayload } from './exact-evm.js';
export {
  x402SettlementResponseSchema,
  x402VerifyResponseSchema,
  type X402SettlementResponse,
  type X402VerifyResponse,
} from './facilitator.js';
export { encodeX402Header, decodeX402Header, MAX_X402_HEADER_BYTES } from './header.js';
export { X402_HEADERS } from './headers.js';
export { x402SvmMemo } from './svm-memo.js';
export { X402_EXTENSIONS, SIWX_HEADER, SIWX_CHALLENGE_TTL_MS, PAYMENT_IDENTIFIER_ID } from './extensions.js';
export {
  mintSiwxNonce,
  isOwnSiwxNonce,
  siwxNonceKey,
  siwxNonceTag,
  type SiwxChallengeFields,
} from './siwx-nonce.js';
