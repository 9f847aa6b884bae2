// One table test over the JSON vectors in ./vectors. Every request-parsing and path reason in
// REASONS must be hit by at least one vector (checked at the end).
import { readFileSync } from 'node:fs';
import {
  PATH_REASONS,
  REQUEST_REASONS,
  ProtocolError,
  claimsSatisfy,
  createNetworkRegistry,
  decodePaymentRequest,
  formatAtomic,
  localAnvilNetwork,
  normalizePath,
  paymentRequestFromHeaders,
  paymentRequestFromHtml,
  scopeCovers,
  toAtomic,
  type PaymentRequest,
} from '@turnpike/protocol';

const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;

const registry = createNetworkRegistry({
  anvil: localAnvilNetwork({ usdcAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }),
});

type Encoded = { json: unknown } | { jsonUrlSafe: unknown } | string;
interface RequestVector {
  name: string;
  input: {
    json?: unknown;
    jsonUrlSafe?: unknown;
    header?: string;
    headerRepeat?: [string, number];
    headers?: Record<string, Encoded | Encoded[]>;
    html?: string;
    req?: unknown;
  };
  expect:
    | { reason: string }
    | { free: true }
    | {
        ok: true;
        offers: { network: string; symbol: string; amount: string; atomic: string; address?: string }[];
        claims?: Record<string, string>;
        tokenLifetimeMs?: number;
        description?: string;
        customization?: Record<string, string>;
      };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const encode = (e: Encoded): string =>
  typeof e === 'string'
    ? e
    : 'json' in e
      ? b64(e.json)
      : Buffer.from(JSON.stringify(e.jsonUrlSafe)).toString('base64url');
const entityEncode = (s: string) =>
  s.replace(/[+/=]/g, (c) => ({ '+': '&plus;', '/': '&#x2F;', '=': '&#61;' })[c]!);

function run(input: RequestVector['input']): PaymentRequest | null {
  if (input.json !== undefined) return decodePaymentRequest(b64(input.json), registry);
  if (input.jsonUrlSafe !== undefined)
    return decodePaymentRequest(encode({ jsonUrlSafe: input.jsonUrlSafe }), registry);
  if (input.header !== undefined) return decodePaymentRequest(input.header, registry);
  if (input.headerRepeat !== undefined)
    return decodePaymentRequest(input.headerRepeat[0].repeat(input.headerRepeat[1]), registry);
  if (input.headers !== undefined) {
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(encode) : encode(v)]),
    );
    return paymentRequestFromHeaders(headers, registry);
  }
  if (input.html !== undefined) {
    const req = input.req === undefined ? '' : b64(input.req);
    const html = input.html.replace('{{REQ}}', req).replace('{{REQ_ENTITIES}}', entityEncode(req));
    return paymentRequestFromHtml(html, registry);
  }
  throw new Error('vector without input');
}

const hit = new Set<string>();

function outcome<T>(fn: () => T): { value: T } | { reason: string } {
  try {
    return { value: fn() };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    hit.add(err.code);
    return { reason: err.code };
  }
}

describe('payment-request vectors', () => {
  const vectors = load<RequestVector[]>('payment-requests.json');

  it('has at least 40 cases', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(40);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const result = outcome(() => run(v.input));
    if ('reason' in v.expect) {
      expect(result).toEqual({ reason: v.expect.reason });
      return;
    }
    if (!('value' in result)) throw new Error(`unexpected refusal ${result.reason}`);
    if ('free' in v.expect) {
      expect(result.value).toBeNull();
      return;
    }
    const pr = result.value;
    if (pr === null) throw new Error('expected a payment request, got free');
    expect(
      pr.offers.map((o) => ({
        network: o.network,
        symbol: o.asset.symbol,
        amount: o.amount,
        atomic: o.atomic.toString(),
        ...(o.address === undefined ? {} : { address: o.address }),
      })),
    ).toEqual(v.expect.offers);
    if (v.expect.claims !== undefined) expect(pr.claims).toEqual(v.expect.claims);
    if (v.expect.tokenLifetimeMs !== undefined) expect(pr.tokenLifetimeMs).toBe(v.expect.tokenLifetimeMs);
    if (v.expect.description !== undefined) expect(pr.description).toBe(v.expect.description);
    if (v.expect.customization !== undefined) expect(pr.customization).toEqual(v.expect.customization);
  });
});

describe('path normalisation vectors', () => {
  const vectors = load<{ target: string; path?: string; query?: string; reason?: string }[]>('paths.json');
  it.each(vectors.map((v) => [JSON.stringify(v.target).slice(0, 60), v] as const))('%s', (_name, v) => {
    const result = outcome(() => normalizePath(v.target));
    if (v.reason !== undefined) expect(result).toEqual({ reason: v.reason });
    else expect(result).toEqual({ value: { path: v.path, query: v.query } });
  });
});

describe('scope vectors', () => {
  const vectors = load<{ scope: string; target: string; covers?: boolean; reason?: string }[]>('scopes.json');
  it.each(vectors.map((v) => [`${v.scope} ⊇ ${v.target}`, v] as const))('%s', (_name, v) => {
    const result = outcome(() => scopeCovers(v.scope, normalizePath(v.target).path));
    expect(result).toEqual(v.reason !== undefined ? { reason: v.reason } : { value: v.covers });
  });
});

describe('superset vectors', () => {
  const vectors =
    load<{ name: string; token: Record<string, unknown>; required: Record<string, string>; ok: boolean }[]>(
      'claims.json',
    );
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(claimsSatisfy(v.token, v.required)).toBe(v.ok);
  });
});

describe('amount vectors', () => {
  const vectors =
    load<
      { amount: string | number; decimals: number; atomic?: string; canonical?: string; reason?: string }[]
    >('amounts.json');
  it.each(vectors.map((v) => [`${JSON.stringify(v.amount).slice(0, 40)} @${v.decimals}`, v] as const))(
    '%s',
    (_name, v) => {
      const result = outcome(() => toAtomic(v.amount, v.decimals));
      if (v.reason !== undefined) {
        expect(result).toEqual({ reason: v.reason });
        return;
      }
      expect(result).toEqual({ value: BigInt(v.atomic!) });
      expect(formatAtomic(BigInt(v.atomic!), v.decimals)).toBe(v.canonical);
    },
  );
});

describe('coverage of reasons', () => {
  it('every request-parsing and path reason is hit by a vector', () => {
    const missing = [...REQUEST_REASONS, ...PATH_REASONS].filter((r) => !hit.has(r));
    expect(missing).toEqual([]);
  });
});
