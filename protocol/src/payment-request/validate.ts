import { parseAmount } from '../amount/canonical-amount.js';
import { RESERVED_CLAIMS } from '../claims/reserved.js';
import { ProtocolError } from '../errors.js';
import { normalizeNetworkAddress } from '../networks/address.js';
import type { Asset, NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import { normalizePath } from '../scope/normalize-path.js';
import {
  MAX_CLAIM_KEY_CHARS,
  MAX_CLAIM_VALUE_CHARS,
  MAX_CLAIMS,
  MAX_CUSTOMIZATION_URL_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_OFFERS,
  MAX_OUTPUT_SCHEMA_BYTES,
  MAX_TOKEN_LIFETIME_MS,
  MIN_TOKEN_LIFETIME_MS,
} from './limits.js';
import { validateFreeTier, validateMetering } from './pricing.js';
import type { PaymentCustomization, PaymentRequest, PriceOffer } from './types.js';

/** The fields of a payment request after the structural (zod) check, before the semantic one. */
export interface RawPaymentRequest {
  claims: unknown;
  exp: unknown;
  description: unknown;
  requests: readonly RawOffer[];
  customization: unknown;
  mimeType?: unknown;
  outputSchema?: unknown;
  /** Whether a transaction hash may be credited without its challenge (opt-in, front-runnable). */
  unboundTxProofs?: boolean | undefined;
  /** Price model fields (pricing.ts). */
  model?: unknown;
  credits?: unknown;
  cost?: unknown;
  usage?: unknown;
  free?: unknown;
}
export interface RawOffer {
  network: string;
  amount?: unknown;
  asset?: string | undefined;
  address?: string | undefined;
}

const fail = (code: ConstructorParameters<typeof ProtocolError>[0], detail: string): never => {
  throw new ProtocolError(code, detail);
};

/** Semantic validation shared by the header/meta decoder and `fromWire`. */
export function validatePaymentRequest(raw: RawPaymentRequest, registry: NetworkRegistry): PaymentRequest {
  const tokenLifetimeMs = validateExp(raw.exp);
  const claims = validateClaims(raw.claims);
  const offers = validateOffers(raw.requests, registry);
  const customization = validateCustomization(raw.customization);
  const pr: PaymentRequest = { claims, tokenLifetimeMs, offers, customization };
  const description = validateDescription(raw.description);
  if (description !== undefined) pr.description = description;
  if (raw.unboundTxProofs === true) pr.unboundTxProofs = true;
  const mimeType = validateMimeType(raw.mimeType);
  if (mimeType !== undefined) pr.mimeType = mimeType;
  const outputSchema = validateOutputSchema(raw.outputSchema);
  if (outputSchema !== undefined) pr.outputSchema = outputSchema;
  const metering = validateMetering(raw.model, raw.credits, raw.cost, raw.usage);
  if (metering !== undefined) pr.metering = metering;
  const freeTier = validateFreeTier(raw.free);
  if (freeTier !== undefined) pr.freeTier = freeTier;
  return pr;
}

/** `type/subtype` (no parameters), lower-cased. */
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

function validateMimeType(m: unknown): string | undefined {
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'string' || !MIME_TYPE.test(m.toLowerCase())) {
    return fail(REASONS.REQUEST_SCHEMA_INVALID, 'mimeType must be a media type such as text/html');
  }
  return m.toLowerCase();
}

function validateOutputSchema(o: unknown): Record<string, unknown> | undefined {
  if (o === undefined || o === null) return undefined;
  if (typeof o !== 'object' || Array.isArray(o)) {
    return fail(REASONS.REQUEST_SCHEMA_INVALID, 'outputSchema must be a JSON Schema object');
  }
  if (Buffer.byteLength(JSON.stringify(o)) > MAX_OUTPUT_SCHEMA_BYTES) {
    return fail(REASONS.REQUEST_SCHEMA_INVALID, `outputSchema larger than ${MAX_OUTPUT_SCHEMA_BYTES} bytes`);
  }
  return o as Record<string, unknown>;
}

function validateExp(exp: unknown): number {
  if (exp === undefined) return fail(REASONS.REQUEST_EXP_INVALID, 'the token lifetime is required');
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    return fail(REASONS.REQUEST_EXP_INVALID, 'exp must be an integer number of milliseconds');
  }
  if (exp < MIN_TOKEN_LIFETIME_MS || exp > MAX_TOKEN_LIFETIME_MS) {
    return fail(
      REASONS.REQUEST_EXP_INVALID,
      `exp must be within ${MIN_TOKEN_LIFETIME_MS}..${MAX_TOKEN_LIFETIME_MS} ms (or a Go duration in ns up to 366 days)`,
    );
  }
  return exp;
}

const CLAIM_KEY = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

function validateClaims(claims: unknown): Record<string, string> {
  if (claims === undefined) return {};
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    return fail(REASONS.CLAIMS_NOT_STRINGS, 'claims must be an object of strings');
  }
  const entries = Object.entries(claims as Record<string, unknown>);
  if (entries.length > MAX_CLAIMS)
    return fail(REASONS.REQUEST_SCHEMA_INVALID, `more than ${MAX_CLAIMS} claims`);
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return fail(REASONS.CLAIMS_NOT_STRINGS, `claim "${key}" is not a string`);
    if ((RESERVED_CLAIMS as readonly string[]).includes(key)) {
      return fail(REASONS.CLAIM_RESERVED, `claim "${key}" is set by the issuer`);
    }
    if (!CLAIM_KEY.test(key) || key.length > MAX_CLAIM_KEY_CHARS || key === '__proto__') {
      return fail(REASONS.REQUEST_SCHEMA_INVALID, `claim name "${key.slice(0, 64)}" is not allowed`);
    }
    if (value.length > MAX_CLAIM_VALUE_CHARS)
      return fail(REASONS.REQUEST_SCHEMA_INVALID, `claim "${key}" too long`);
    out[key] = value;
  }
  const resource = out['resource'];
  if (resource !== undefined) {
    let normal: string | undefined;
    try {
      const n = normalizePath(resource);
      normal = n.query === '' && !resource.includes('?') ? n.path : undefined;
    } catch {
      normal = undefined;
    }
    if (normal !== resource) {
      return fail(REASONS.REQUEST_SCHEMA_INVALID, 'claim "resource" must be a normalised path (no query)');
    }
  }
  return out;
}

function validateOffers(requests: readonly RawOffer[], registry: NetworkRegistry): PriceOffer[] {
  if (requests.length === 0) return fail(REASONS.PAYMENT_REQUESTS_EMPTY, 'payment.requests is empty');
  if (requests.length > MAX_OFFERS) {
    return fail(REASONS.PAYMENT_REQUESTS_TOO_MANY, `more than ${MAX_OFFERS} payment requests`);
  }
  const seen = new Set<string>();
  return requests.map((req, i) => {
    const network = registry.require(req.network);
    const asset = registry.asset(network.name, req.asset);
    const key = `${network.name}/${assetKey(asset)}`;
    if (seen.has(key))
      return fail(REASONS.OFFER_DUPLICATE, `payment.requests[${i}] repeats ${network.name} ${asset.symbol}`);
    seen.add(key);
    if (typeof req.amount !== 'string' && typeof req.amount !== 'number') {
      return fail(
        REASONS.AMOUNT_NOT_A_NUMBER,
        `payment.requests[${i}].amount must be a decimal string or number`,
      );
    }
    const { amount, atomic } = parseAmount(req.amount, asset.decimals);
    const offer: PriceOffer = { network: network.name, asset, amount, atomic };
    // "" is what the original project's examples send for "Turnpike picks the address".
    if (req.address !== undefined && req.address !== '')
      offer.address = normalizeNetworkAddress(network, req.address);
    return offer;
  });
}

/** Identity of an asset within a network (the symbol is only a label). */
export function assetKey(asset: Asset): string {
  switch (asset.kind) {
    case 'native':
      return 'native';
    case 'erc20':
      return `erc20:${asset.address.toLowerCase()}`;
    case 'spl':
      return `spl:${asset.mint}`;
  }
}

function validateCustomization(c: unknown): PaymentCustomization {
  if (c === undefined || c === null) return {};
  if (typeof c !== 'object' || Array.isArray(c))
    return fail(REASONS.REQUEST_SCHEMA_INVALID, 'customization must be an object');
  const out: PaymentCustomization = {};
  for (const [key, value] of Object.entries(c as Record<string, unknown>)) {
    if (key !== 'css' && key !== 'js' && key !== 'image') {
      return fail(REASONS.REQUEST_SCHEMA_INVALID, `unknown customization key "${key.slice(0, 32)}"`);
    }
    if (value === undefined || value === '') continue;
    out[key] = httpUrl(value, key);
  }
  return out;
}

function httpUrl(value: unknown, key: string): string {
  if (typeof value !== 'string' || value.length > MAX_CUSTOMIZATION_URL_CHARS) {
    return fail(REASONS.CUSTOMIZATION_URL_INVALID, `customization.${key} must be an http(s) URL`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(REASONS.CUSTOMIZATION_URL_INVALID, `customization.${key} is not an absolute URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    return fail(
      REASONS.CUSTOMIZATION_URL_INVALID,
      `customization.${key} must be http(s) without credentials`,
    );
  }
  return url.href;
}

function validateDescription(d: unknown): string | undefined {
  if (d === undefined || d === null) return undefined;
  if (typeof d !== 'string') return fail(REASONS.REQUEST_SCHEMA_INVALID, 'description must be a string');
  if ([...d].length > MAX_DESCRIPTION_CHARS) {
    return fail(REASONS.DESCRIPTION_TOO_LONG, `description longer than ${MAX_DESCRIPTION_CHARS} characters`);
  }
  return d;
}
