import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';

/** The price models a declaration may name (docs/payment-request.md, "Price models"). */
export const PRICING_MODELS = ['pass', 'per-request', 'credits'] as const;
export type PricingModel = (typeof PRICING_MODELS)[number];

/** The models whose tokens hold a balance spent per request (docs/credits.md). */
export type MeteredModel = Exclude<PricingModel, 'pass'>;

/**
 * How a metered resource is paid: what one payment buys (`credits`) and what one allowed request
 * spends (`cost`). `per-request` is credits 1, cost 1: a single-use token.
 */
export interface Metering {
  model: MeteredModel;
  /** Credits one payment buys (the token's opening balance). */
  credits: bigint;
  /** Credits one allowed request spends up front (with `usage`, the minimum). */
  cost: bigint;
  /**
   * `usage: true` (model `credits` only): the upstream reports each response's real cost in the
   * {@link USAGE_HEADER} response header; a gateway that sees the response (the Express gateway)
   * reports it and the authorizer debits what it exceeds `cost` (docs/credits.md, "Usage").
   */
  usage?: true;
}

/** The response header an upstream reports a request's real cost in (credits, a non-negative integer). */
export const USAGE_HEADER = 'x-402-usage';

/** A reported usage: a non-negative integer of credits up to {@link MAX_CREDITS}, digits only. */
const USAGE_AMOUNT = /^(0|[1-9][0-9]{0,18})$/;

/**
 * Reads an upstream's reported usage strictly: digits only (no sign, spaces, decimals, exponent),
 * at most 10^18; undefined for anything else.
 */
export function parseReportedUsage(value: string): bigint | undefined {
  if (!USAGE_AMOUNT.test(value)) return undefined;
  const n = BigInt(value);
  return n > MAX_CREDITS ? undefined : n;
}

/** N free requests per payer (client IP) per period before a 402. */
export interface FreeTier {
  requests: number;
  periodSeconds: number;
}

/** Largest `credits` (and `cost`): 10^18, far beyond any balance and within numeric(78,0). */
export const MAX_CREDITS = 10n ** 18n;
export const MAX_FREE_REQUESTS = 1_000_000;
export const MAX_FREE_PERIOD_SECONDS = 366 * 24 * 60 * 60;

const INTEGER = /^[1-9][0-9]{0,18}$/;

const fail = (code: ConstructorParameters<typeof ProtocolError>[0], detail: string): never => {
  throw new ProtocolError(code, detail);
};

/** A positive integer given as a safe JSON number or a decimal string, as bigint. */
function positiveCredits(value: unknown, field: string): bigint {
  const text =
    typeof value === 'number' && Number.isSafeInteger(value)
      ? String(value)
      : typeof value === 'string'
        ? value
        : '';
  if (!INTEGER.test(text) || BigInt(text) > MAX_CREDITS) {
    return fail(REASONS.PRICING_CREDITS_INVALID, `${field} must be a positive integer up to 10^18`);
  }
  return BigInt(text);
}

/**
 * Reads `model`, `credits`, `cost` and `usage` of a declaration. `pass` (the default) gives
 * undefined: a pass declaration is exactly what it was before price models existed (same wire
 * form, same digest); so is a `credits` one without `usage` (or with `usage: false`).
 */
export function validateMetering(
  model: unknown,
  credits: unknown,
  cost: unknown,
  usage?: unknown,
): Metering | undefined {
  if (usage !== undefined && typeof usage !== 'boolean')
    return fail(REASONS.PRICING_USAGE_INVALID, 'usage must be true or false');
  if (
    model !== undefined &&
    (typeof model !== 'string' || !(PRICING_MODELS as readonly string[]).includes(model))
  )
    return fail(REASONS.PRICING_MODEL_UNKNOWN, 'model must be "pass", "per-request" or "credits"');
  const chosen = (model ?? 'pass') as PricingModel;
  if (chosen !== 'credits') {
    if (usage === true)
      return fail(REASONS.PRICING_USAGE_INVALID, `usage belongs to model "credits", not "${chosen}"`);
    if (credits !== undefined || cost !== undefined)
      return fail(
        REASONS.PRICING_CREDITS_INVALID,
        `credits and cost belong to model "credits", not "${chosen}"`,
      );
    return chosen === 'per-request' ? { model: 'per-request', credits: 1n, cost: 1n } : undefined;
  }
  if (credits === undefined)
    return fail(REASONS.PRICING_CREDITS_INVALID, 'model "credits" needs credits (what one payment buys)');
  const total = positiveCredits(credits, 'credits');
  const each = cost === undefined ? 1n : positiveCredits(cost, 'cost');
  if (each > total)
    return fail(REASONS.PRICING_CREDITS_INVALID, 'cost is above credits: no request could pass');
  return usage === true
    ? { model: 'credits', credits: total, cost: each, usage: true }
    : { model: 'credits', credits: total, cost: each };
}

/** Reads `free: {requests, periodSeconds}`; undefined when absent. */
export function validateFreeTier(free: unknown): FreeTier | undefined {
  if (free === undefined || free === null) return undefined;
  if (typeof free !== 'object' || Array.isArray(free))
    return fail(REASONS.FREE_TIER_INVALID, 'free must be an object {requests, periodSeconds}');
  const { requests, periodSeconds, ...rest } = free as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined)
    return fail(REASONS.FREE_TIER_INVALID, `unknown free-tier key "${extra.slice(0, 32)}"`);
  if (
    typeof requests !== 'number' ||
    !Number.isInteger(requests) ||
    requests < 1 ||
    requests > MAX_FREE_REQUESTS
  )
    return fail(REASONS.FREE_TIER_INVALID, `free.requests must be an integer in 1..${MAX_FREE_REQUESTS}`);
  if (
    typeof periodSeconds !== 'number' ||
    !Number.isInteger(periodSeconds) ||
    periodSeconds < 1 ||
    periodSeconds > MAX_FREE_PERIOD_SECONDS
  )
    return fail(
      REASONS.FREE_TIER_INVALID,
      `free.periodSeconds must be an integer in 1..${MAX_FREE_PERIOD_SECONDS}`,
    );
  return { requests, periodSeconds };
}
