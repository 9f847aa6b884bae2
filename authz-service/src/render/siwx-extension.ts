import {
  mintSiwxNonce,
  siwxNonceTag,
  SIWX_CHALLENGE_TTL_MS,
  type Network,
  type NetworkRegistry,
  type PriceOffer,
} from '@turnpike/protocol';

/** The per-402 fields of a sign-in-with-x challenge (holes of the prepared 402). */
export interface SiwxChallenge {
  domain: string;
  uri: string;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
}

/** A chain a client may sign in on, as the extension lists it. */
export interface SiwxChain {
  chainId: string;
  type: 'eip191' | 'ed25519';
}

/** The request shape the extension asks clients for (specs/extensions/sign-in-with-x.md). */
const SIWX_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    domain: { type: 'string' },
    address: { type: 'string' },
    statement: { type: 'string' },
    uri: { type: 'string', format: 'uri' },
    version: { type: 'string' },
    chainId: { type: 'string' },
    type: { type: 'string' },
    nonce: { type: 'string' },
    issuedAt: { type: 'string', format: 'date-time' },
    expirationTime: { type: 'string', format: 'date-time' },
    notBefore: { type: 'string', format: 'date-time' },
    requestId: { type: 'string' },
    resources: { type: 'array', items: { type: 'string', format: 'uri' } },
    signature: { type: 'string' },
  },
  required: ['domain', 'address', 'uri', 'version', 'chainId', 'type', 'nonce', 'issuedAt', 'signature'],
} as const;

const STATEMENT = 'Sign in with the address that paid for this resource to use what it bought.';

/**
 * The `sign-in-with-x` entry of a 402's x402 `extensions` (CAIP-122): a returning payer signs it and
 * retries with `SIGN-IN-WITH-X` instead of paying again.
 */
export function siwxExtension(c: SiwxChallenge, chains: readonly SiwxChain[]) {
  return {
    info: {
      domain: c.domain,
      uri: c.uri,
      version: '1',
      nonce: c.nonce,
      issuedAt: c.issuedAt,
      expirationTime: c.expirationTime,
      statement: STATEMENT,
      resources: [c.uri],
    },
    supportedChains: chains,
    schema: SIWX_SCHEMA,
  };
}

/**
 * The chains a payer of this resource may sign in on: each network an offer names, once, in offer
 * order (x402 clients take the first of their kind; `wrapFetchWithSIWx` the one of `accepts[0]`).
 */
export function siwxChains(offers: readonly PriceOffer[], registry: NetworkRegistry): SiwxChain[] {
  const seen = new Set<string>();
  const chains: SiwxChain[] = [];
  for (const o of offers) {
    const n: Network | undefined = registry.get(o.network);
    if (n === undefined || seen.has(n.caip2)) continue;
    seen.add(n.caip2);
    chains.push({ chainId: n.caip2, type: n.kind === 'solana' ? 'ed25519' : 'eip191' });
  }
  return chains;
}

const HOST_PORT = /^([a-z0-9.-]+|\[[0-9a-f:.]+\]):([0-9]{1,5})$/;

/**
 * The authority the client addressed (`host[:port]`), which a sign-in-with-x client checks the
 * challenge's domain against: the `X-Original-Host` the shipped NGINX config sets from the client's
 * Host (its `Host` to the authorizer drops the port), when it names the same host; else the host.
 */
export function siwxAuthority(host: string, originalHost: string | undefined): string {
  if (originalHost === undefined) return host;
  const candidate = originalHost.trim().toLowerCase();
  if (candidate === host) return host;
  const m = HOST_PORT.exec(candidate);
  return m !== null && m[1] === host ? candidate : host;
}

// The last URI, times and nonce MAC: consecutive 402s mostly share them (same resource, same second).
let lastUri = { scheme: '', authority: '', originalUri: '', uri: '' };
let lastTimes = { second: Number.NaN, issuedAt: '', expirationTime: '' };
let lastTag = { key: undefined as Buffer | undefined, uri: '', domain: '', issuedAt: '', tag: '' };

/**
 * A fresh challenge for one 402 (nothing written: the nonce is random and MACed, see mintSiwxNonce).
 * `issuedAt` is whole seconds, so the nonce's MAC half is computed once a second per resource.
 */
export function newSiwxChallenge(
  nonceKey: Buffer,
  authority: string,
  scheme: string,
  originalUri: string,
  now: number,
): SiwxChallenge {
  if (lastUri.originalUri !== originalUri || lastUri.authority !== authority || lastUri.scheme !== scheme)
    lastUri = { scheme, authority, originalUri, uri: `${scheme}://${authority}${originalUri}` };
  const second = now - (now % 1000);
  if (lastTimes.second !== second)
    lastTimes = {
      second,
      issuedAt: new Date(second).toISOString(),
      expirationTime: new Date(second + SIWX_CHALLENGE_TTL_MS).toISOString(),
    };
  const fields = {
    domain: authority,
    uri: lastUri.uri,
    issuedAt: lastTimes.issuedAt,
    expirationTime: lastTimes.expirationTime,
    nonce: '',
  };
  if (
    lastTag.key !== nonceKey ||
    lastTag.issuedAt !== fields.issuedAt ||
    lastTag.uri !== fields.uri ||
    lastTag.domain !== authority
  )
    lastTag = {
      key: nonceKey,
      uri: fields.uri,
      domain: authority,
      issuedAt: fields.issuedAt,
      tag: siwxNonceTag(nonceKey, fields),
    };
  fields.nonce = mintSiwxNonce(nonceKey, fields, lastTag.tag);
  return fields;
}
