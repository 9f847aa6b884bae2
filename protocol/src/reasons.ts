/**
 * Stable wire reasons. The same snake_case string appears in 402 bodies, logs and metric labels;
 * values are never renamed or reused (add a new one instead). Every value is described in
 * docs/reasons.md (a test keeps the two in step).
 */
export const REASONS = {
  // payment request (x-402-request header / <meta>)
  REQUEST_NOT_BASE64: 'request_not_base64',
  REQUEST_NOT_JSON: 'request_not_json',
  REQUEST_TOO_LARGE: 'request_too_large',
  REQUEST_SCHEMA_INVALID: 'request_schema_invalid',
  REQUEST_MISSING: 'request_missing',
  REQUEST_REQUIRED_INVALID: 'request_required_invalid',
  REQUEST_CONFLICT: 'request_conflict',
  REQUEST_EXP_INVALID: 'request_exp_invalid',
  PAYMENT_REQUESTS_EMPTY: 'payment_requests_empty',
  PAYMENT_REQUESTS_TOO_MANY: 'payment_requests_too_many',
  OFFER_DUPLICATE: 'offer_duplicate',
  NETWORK_UNKNOWN: 'network_unknown',
  ASSET_UNKNOWN: 'asset_unknown',
  ADDRESS_INVALID: 'address_invalid',
  AMOUNT_NOT_A_NUMBER: 'amount_not_a_number',
  AMOUNT_NOT_POSITIVE: 'amount_not_positive',
  AMOUNT_TOO_PRECISE: 'amount_too_precise',
  AMOUNT_TOO_LARGE: 'amount_too_large',
  CLAIMS_NOT_STRINGS: 'claims_not_strings',
  CLAIM_RESERVED: 'claim_reserved',
  CUSTOMIZATION_URL_INVALID: 'customization_url_invalid',
  DESCRIPTION_TOO_LONG: 'description_too_long',
  /** `model` is not one of pass, per-request, credits. */
  PRICING_MODEL_UNKNOWN: 'pricing_model_unknown',
  /** `credits`/`cost` missing, not positive integers, cost above credits, or given for another model. */
  PRICING_CREDITS_INVALID: 'pricing_credits_invalid',
  /** `free` is not `{requests, periodSeconds}` of positive integers within the limits. */
  FREE_TIER_INVALID: 'free_tier_invalid',
  /** `usage` is not `true`/`false`, or is given for a model other than `credits`. */
  PRICING_USAGE_INVALID: 'pricing_usage_invalid',
  // request target and scopes
  URI_MISSING: 'uri_missing',
  URI_ABSOLUTE_FORM: 'uri_absolute_form',
  URI_TOO_LONG: 'uri_too_long',
  PATH_INVALID: 'path_invalid',
  PATH_ENCODED_SEPARATOR: 'path_encoded_separator',
  PATH_DOT_SEGMENT_ESCAPE: 'path_dot_segment_escape',
  // tokens
  TOKEN_MISSING: 'token_missing',
  TOKEN_MALFORMED: 'token_malformed',
  TOKEN_ALG_NOT_ALLOWED: 'token_alg_not_allowed',
  TOKEN_KID_UNKNOWN: 'token_kid_unknown',
  TOKEN_SIGNATURE_INVALID: 'token_signature_invalid',
  TOKEN_EXPIRED: 'token_expired',
  TOKEN_NOT_YET_VALID: 'token_not_yet_valid',
  TOKEN_ISSUER_MISMATCH: 'token_issuer_mismatch',
  TOKEN_AUDIENCE_MISMATCH: 'token_audience_mismatch',
  TOKEN_SCOPE_MISMATCH: 'token_scope_mismatch',
  TOKEN_CLAIMS_INSUFFICIENT: 'token_claims_insufficient',
  TOKEN_CONFLICT: 'token_conflict',
  // payments
  PAYMENT_REQUIRED: 'payment_required',
  PAYMENT_ALREADY_REDEEMED: 'payment_already_redeemed',
  PAYMENT_PENDING: 'payment_pending',
  PAYMENT_UNDERPAID: 'payment_underpaid',
  PAYMENT_WRONG_ASSET: 'payment_wrong_asset',
  PAYMENT_WRONG_RECIPIENT: 'payment_wrong_recipient',
  PAYMENT_WRONG_NETWORK: 'payment_wrong_network',
  PAYMENT_REVERTED: 'payment_reverted',
  PAYMENT_NOT_FOUND: 'payment_not_found',
  PAYMENT_TOO_OLD: 'payment_too_old',
  PAYMENT_EXPIRED: 'payment_expired',
  PAYMENT_TX_MALFORMED: 'payment_tx_malformed',
  PAYMENT_CHAIN_UNKNOWN: 'payment_chain_unknown',
  PAYMENT_UNBOUND: 'payment_unbound',
  /** Every RPC endpoint of the proof's network failed or timed out: nothing was decided, retry. */
  CHAIN_UNAVAILABLE: 'chain_unavailable',
  X402_PAYLOAD_INVALID: 'x402_payload_invalid',
  X402_SIGNATURE_INVALID: 'x402_signature_invalid',
  X402_AUTHORIZATION_EXPIRED: 'x402_authorization_expired',
  X402_AUTHORIZATION_NOT_YET_VALID: 'x402_authorization_not_yet_valid',
  X402_RECIPIENT_MISMATCH: 'x402_recipient_mismatch',
  X402_VALUE_MISMATCH: 'x402_value_mismatch',
  X402_NONCE_USED: 'x402_nonce_used',
  X402_INSUFFICIENT_BALANCE: 'x402_insufficient_balance',
  X402_SETTLE_FAILED: 'x402_settle_failed',
  /** x402 Permit2: the payer has not approved Permit2 for the amount (x402 answers 412). */
  X402_PERMIT2_ALLOWANCE_REQUIRED: 'x402_permit2_allowance_required',
  /** x402 `exact` on Solana: the transaction does not decode, or its signers or signatures are wrong. */
  X402_SVM_TRANSACTION_INVALID: 'x402_svm_transaction_invalid',
  /** x402 `exact` on Solana: not the instruction layout the scheme allows. */
  X402_SVM_INSTRUCTIONS_INVALID: 'x402_svm_instructions_invalid',
  /** x402 `exact` on Solana: the fee payer is not the portal's, or an instruction uses its accounts. */
  X402_SVM_FEE_PAYER_MISUSED: 'x402_svm_fee_payer_misused',
  /** x402 `exact` on Solana: compute-unit price or limit above what the portal sponsors. */
  X402_SVM_COMPUTE_BUDGET_EXCEEDED: 'x402_svm_compute_budget_exceeded',
  FACILITATOR_UNAVAILABLE: 'facilitator_unavailable',
  // MPP (`Authorization: Payment`, draft-httpauth-payment)
  MPP_CREDENTIAL_MALFORMED: 'mpp_credential_malformed',
  MPP_METHOD_UNSUPPORTED: 'mpp_method_unsupported',
  MPP_CHALLENGE_INVALID: 'mpp_challenge_invalid',
  MPP_CHALLENGE_EXPIRED: 'mpp_challenge_expired',
  MPP_CREDENTIAL_MISMATCH: 'mpp_credential_mismatch',
  MPP_CREDENTIAL_USED: 'mpp_credential_used',
  // x402 extensions: sign-in-with-x (SIGN-IN-WITH-X) and payment-identifier
  /** The SIGN-IN-WITH-X header is not base64 JSON of a CAIP-122 message, or names no chain served here. */
  SIWX_INVALID: 'siwx_invalid',
  /** The message's nonce, domain, URI or times were not issued by this service, or have run out. */
  SIWX_CHALLENGE_INVALID: 'siwx_challenge_invalid',
  /** The signature does not verify for the address (EIP-191, EIP-1271 or ed25519). */
  SIWX_SIGNATURE_INVALID: 'siwx_signature_invalid',
  /** This nonce already signed someone in (a replayed sign-in). */
  SIWX_NONCE_USED: 'siwx_nonce_used',
  /** The address holds no paid, unexpired grant for this resource: pay. */
  SIWX_NOT_PAID: 'siwx_not_paid',
  /** The payment-identifier `id` is not 16–128 characters of [A-Za-z0-9_-]. */
  PAYMENT_IDENTIFIER_INVALID: 'payment_identifier_invalid',
  /** The payment-identifier `id` was used with another request or payload (409). */
  PAYMENT_IDENTIFIER_CONFLICT: 'payment_identifier_conflict',
  /** The first request with this `id` is still settling: retry the same request after Retry-After. */
  PAYMENT_IDENTIFIER_IN_FLIGHT: 'payment_identifier_in_flight',
  // price models (docs/credits.md)
  /** The token's balance is spent (or below this resource's cost): pay again (the 402 is the top-up). */
  CREDITS_EXHAUSTED: 'credits_exhausted',
  /** The portal holds no open balance for this token (expired, or never credited). */
  CREDIT_BALANCE_UNKNOWN: 'credit_balance_unknown',
  /** The token was bought under another price model than this resource's (a pass on a metered resource, or the reverse). */
  TOKEN_MODEL_MISMATCH: 'token_model_mismatch',
  /** No leased credit left here and the portal cannot be asked for more: not an allow (503). */
  CREDITS_UNAVAILABLE: 'credits_unavailable',
  /** This payer's free requests for the period are used up: pay. */
  FREE_TIER_EXHAUSTED: 'free_tier_exhausted',
  /** The free-tier counter (the portal) cannot be reached: not an allow (503). */
  FREE_TIER_UNAVAILABLE: 'free_tier_unavailable',
  /** A usage report (`POST /v1/usage`) without the gateway's bearer secret (401). */
  USAGE_REPORT_UNAUTHORIZED: 'usage_report_unauthorized',
  /** A usage report whose body or `reported` amount is not what the contract says (400): nothing debited. */
  USAGE_REPORT_INVALID: 'usage_report_invalid',
  /** A usage report for a resource that does not declare `usage: true` (409): nothing debited. */
  USAGE_NOT_METERED: 'usage_not_metered',
  /** The extra of a usage report could not be debited (the portal unreachable): counted as unbilled (503). */
  USAGE_UNBILLED: 'usage_unbilled',
  // availability and misc
  UPSTREAM_PROBE_FAILED: 'upstream_probe_failed',
  UPSTREAM_DECLARATION_INVALID: 'upstream_declaration_invalid',
  PORTAL_UNAVAILABLE: 'portal_unavailable',
  KEYS_UNAVAILABLE: 'keys_unavailable',
  RATE_LIMITED: 'rate_limited',
  INVOICE_NOT_FOUND: 'invoice_not_found',
  REFERENCE_INVALID: 'reference_invalid',
  REDIRECT_INVALID: 'redirect_invalid',
  INTERNAL_ERROR: 'internal_error',
  // gateways built on the forward-auth contract (integrations/express)
  AUTHZ_UNAVAILABLE: 'authz_unavailable',
  UPSTREAM_UNAVAILABLE: 'upstream_unavailable',
  // authorizer (first defined in authz-service/src/reasons.ts and its gRPC transport)
  HOST_UNKNOWN: 'host_unknown',
  ROUTE_UNKNOWN: 'route_unknown',
  METHOD_INVALID: 'method_invalid',
  HOST_INVALID: 'host_invalid',
  /** `/.well-known/x402` asked while `discovery.wellKnown` is off. */
  DISCOVERY_DISABLED: 'discovery_disabled',
  DECISION_TIMEOUT: 'decision_timeout',
  CHECK_REQUEST_INVALID: 'check_request_invalid',
  PAYMENT_CHALLENGE_MALFORMED: 'payment_challenge_malformed',
  /** A transaction-hash proof without `x-payment-challenge` on a route that does not accept unbound proofs. */
  PAYMENT_CHALLENGE_REQUIRED: 'payment_challenge_required',
  /** The challenge was altered, sealed elsewhere, or is not a challenge. */
  PAYMENT_CHALLENGE_INVALID: 'payment_challenge_invalid',
  /** The challenge was issued for another host or resource. */
  PAYMENT_CHALLENGE_MISMATCH: 'payment_challenge_mismatch',
  // portal (first defined in payment-portal/src/reasons.ts)
  OFFER_UNSUPPORTED: 'offer_unsupported',
  PROOF_UNSUPPORTED: 'proof_unsupported',
  UNAUTHORIZED: 'unauthorized',
  INVOICE_NOT_PAID: 'invoice_not_paid',
  /** /complete without the session cookie of the browser that opened the invoice. */
  PAY_SESSION_INVALID: 'pay_session_invalid',
  DEV_PAY_UNAVAILABLE: 'dev_pay_unavailable',
  // admin listener: reporting API and dashboard (docs/dashboard.md)
  /** An admin API query parameter is malformed or out of range (400). */
  ADMIN_QUERY_INVALID: 'admin_query_invalid',
  /** The dashboard sign-in form's admin token is wrong (401). */
  DASHBOARD_SIGN_IN_FAILED: 'dashboard_sign_in_failed',
  /** A dashboard form was posted without its CSRF token or from another origin (403). */
  DASHBOARD_CSRF_INVALID: 'dashboard_csrf_invalid',
  // sites (docs/sites.md)
  /** A token issued for another site (its `site` claim; none = `default`) than the one owning the host. */
  TOKEN_SITE_MISMATCH: 'token_site_mismatch',
  /** A site definition fails its schema (admin API, `turnpike sites`). */
  SITE_INVALID: 'site_invalid',
  /** No site with that id. */
  SITE_NOT_FOUND: 'site_not_found',
  /** A site with that id already exists. */
  SITE_EXISTS: 'site_exists',
  /** A host pattern overlaps one of another enabled site. */
  SITE_HOSTS_OVERLAP: 'site_hosts_overlap',
  /** The config-file site `default` is changed in the portal's config, not through the admin API. */
  SITE_DEFAULT_READ_ONLY: 'site_default_read_only',
  /** A proof names a challenge sealed for another site than the one owning the host (or a site gone). */
  PAYMENT_SITE_MISMATCH: 'payment_site_mismatch',
} as const;

export type ReasonKey = keyof typeof REASONS;
export type Reason = (typeof REASONS)[ReasonKey];

const REASON_SET: ReadonlySet<string> = new Set(Object.values(REASONS));

/** True when `x` is one of the stable reason strings. */
export function isReason(x: unknown): x is Reason {
  return typeof x === 'string' && REASON_SET.has(x);
}

/** Reasons raised while parsing a payment request (header, meta tag or wire form). */
export const REQUEST_REASONS: readonly Reason[] = [
  REASONS.REQUEST_NOT_BASE64,
  REASONS.REQUEST_NOT_JSON,
  REASONS.REQUEST_TOO_LARGE,
  REASONS.REQUEST_SCHEMA_INVALID,
  REASONS.REQUEST_MISSING,
  REASONS.REQUEST_REQUIRED_INVALID,
  REASONS.REQUEST_CONFLICT,
  REASONS.REQUEST_EXP_INVALID,
  REASONS.PAYMENT_REQUESTS_EMPTY,
  REASONS.PAYMENT_REQUESTS_TOO_MANY,
  REASONS.OFFER_DUPLICATE,
  REASONS.NETWORK_UNKNOWN,
  REASONS.ASSET_UNKNOWN,
  REASONS.ADDRESS_INVALID,
  REASONS.AMOUNT_NOT_A_NUMBER,
  REASONS.AMOUNT_NOT_POSITIVE,
  REASONS.AMOUNT_TOO_PRECISE,
  REASONS.AMOUNT_TOO_LARGE,
  REASONS.CLAIMS_NOT_STRINGS,
  REASONS.CLAIM_RESERVED,
  REASONS.CUSTOMIZATION_URL_INVALID,
  REASONS.DESCRIPTION_TOO_LONG,
  REASONS.PRICING_MODEL_UNKNOWN,
  REASONS.PRICING_CREDITS_INVALID,
  REASONS.FREE_TIER_INVALID,
  REASONS.PRICING_USAGE_INVALID,
];

/** Reasons raised by `normalizePath`. */
export const PATH_REASONS: readonly Reason[] = [
  REASONS.URI_MISSING,
  REASONS.URI_ABSOLUTE_FORM,
  REASONS.URI_TOO_LONG,
  REASONS.PATH_INVALID,
  REASONS.PATH_ENCODED_SEPARATOR,
  REASONS.PATH_DOT_SEGMENT_ESCAPE,
];
