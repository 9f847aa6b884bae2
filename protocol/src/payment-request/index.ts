export type { PaymentCustomization, PaymentRequest, PriceOffer } from './types.js';
export {
  MAX_CLAIMS,
  MAX_DESCRIPTION_CHARS,
  MAX_HTML_SCAN_BYTES,
  MAX_OFFERS,
  MAX_REQUEST_BYTES,
  MAX_TOKEN_LIFETIME_MS,
  MIN_TOKEN_LIFETIME_MS,
} from './limits.js';
export { decodePaymentRequest, paymentRequestFromJson, type DeclarationOptions } from './decode.js';
export {
  DEFAULT_TOKEN_LIFETIME_MS,
  GO_DURATION_MAX_NS,
  GO_DURATION_MIN_NS,
  readDeclaredExp,
  type ExpReading,
} from './declared-exp.js';
export { paymentRequestFromHeaders, type HeaderBag } from './from-headers.js';
export { paymentRequestFromHtml } from './from-html.js';
export { paymentRequestHeaderSchema } from './header-schema.js';
export {
  paymentRequestWireSchema,
  priceOfferWireSchema,
  type PaymentRequestWire,
  type PriceOfferWire,
} from './wire-schema.js';
export { toWire } from './to-wire.js';
export { fromWire } from './from-wire.js';
export { paymentRequestDigest, paymentRequestWireDigest } from './digest.js';
export { encodePaymentRequest } from './encode.js';
export {
  MAX_CREDITS,
  PRICING_MODELS,
  USAGE_HEADER,
  parseReportedUsage,
  validateFreeTier,
  validateMetering,
  type FreeTier,
  type MeteredModel,
  type Metering,
  type PricingModel,
} from './pricing.js';
