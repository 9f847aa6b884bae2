import {
  addressLeaseResponseSchema,
  creditLeaseResponseSchema,
  creditReturnResponseSchema,
  freeTierResponseSchema,
  type CreditLeaseRequest,
  type CreditLeaseResponse,
  type CreditReturnRequest,
  type CreditReturnResponse,
  type FreeTierRequest,
  type FreeTierResponse,
  challengeSchema,
  payeeResponseSchema,
  PORTAL_API_PATHS,
  settleResponseSchema,
  sitesResponseSchema,
  type AddressLeaseResponse,
  type SitesResponse,
  type Challenge,
  type ChallengeRequest,
  type PayeeResponse,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import type { z } from 'zod';
import { createPortalExchange, type PortalAnswer } from './exchange.js';

export type {
  AddressLeaseResponse,
  Challenge,
  ChallengeRequest,
  PayeeResponse,
  SettleRequest,
  SettleResponse,
};

/** Why a portal call failed. Callers answer `unavailable` with `portal_unavailable` on any of them. */
export type PortalErrorCode =
  'portal_timeout' | 'portal_unreachable' | 'portal_status' | 'portal_response_invalid';

export class PortalError extends Error {
  readonly code: PortalErrorCode;
  readonly status: number | undefined;
  /** Set when the portal answered 429: how long its Retry-After said to wait. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    code: PortalErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'PortalError';
    this.code = code;
    this.status = options?.status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

function retryAfterOf(res: PortalAnswer): number {
  const seconds = Number(res.headers['retry-after']);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : PORTAL_RETRY_AFTER_SECONDS;
}

export interface PortalClient {
  /** What the portal is paid with (networks, wallets, x402 address, challenge lifetime). */
  payee(): Promise<PayeeResponse>;
  /** `count` never-used challenge receive addresses of `site`'s wallet (absent: `default`). */
  leaseAddresses(count: number, site?: string): Promise<AddressLeaseResponse>;
  /** The enabled sites; 'unchanged' when their version is still `version` (HTTP 304, no body). */
  sites(version?: string): Promise<SitesResponse | 'unchanged'>;
  /** A recorded challenge (only for resources that accept unbound transaction proofs). */
  createChallenge(body: ChallengeRequest): Promise<Challenge>;
  settle(body: SettleRequest): Promise<SettleResponse>;
  /** A block of a metered token's balance (docs/credits.md). */
  leaseCredits(body: CreditLeaseRequest): Promise<CreditLeaseResponse>;
  /** What a credit lease did not spend, given back. */
  returnCredits(body: CreditReturnRequest): Promise<CreditReturnResponse>;
  /** Counts one free-tier request of a payer. */
  countFreeRequest(body: FreeTierRequest): Promise<FreeTierResponse>;
  /** Closes the connections kept alive to the portal (shutdown). */
  close(): void;
}

export interface PortalClientOptions {
  /** The portal's internal listener, e.g. http://portal:8091. */
  baseUrl: string;
  /** Bearer secret of the internal API (already revealed; never logged). */
  token: string;
  timeoutMs: number;
}

/** A refused connection or one reset before any answer: the request never reached the portal's handler. */
function connectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(code);
}

/** A conditional GET answered 304 (only ever asked for by `sites`, which catches it). */
class NotModified extends Error {}

/** What a portal error means for the client: retry after this long. */
export const PORTAL_RETRY_AFTER_SECONDS = 5;

/**
 * Client of the portal's internal API (`protocol/src/portal-api`): bearer secret, a timeout on
 * every call, every response parsed with the shared zod schemas. Settle answers `{ok:false}` as
 * data (HTTP 4xx with a settle body is a verdict, not a failure). A connection lost before any
 * answer (a replica gone, an idle keep-alive connection closed under us) is tried once more: every
 * call here is safe to repeat (settling is idempotent per proof and binding).
 */
export function createPortalClient(opts: PortalClientOptions): PortalClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const authorization = `Bearer ${opts.token}`;
  const exchange = createPortalExchange();

  const send = async (
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<PortalAnswer> => {
    const url = new URL(base + path);
    const headers =
      method === 'POST'
        ? { 'content-type': 'application/json', accept: 'application/json', authorization }
        : { accept: 'application/json', authorization, ...extraHeaders };
    const text =
      method === 'POST'
        ? JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
        : undefined;
    try {
      return await exchange(method, url, headers, text, opts.timeoutMs);
    } catch (err) {
      if (!connectionLost(err)) throw err;
      return exchange(method, url, headers, text, opts.timeoutMs);
    }
  };

  async function call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    verdictStatuses: readonly number[] = [],
    headers: Record<string, string> = {},
  ): Promise<z.output<S>> {
    let res: PortalAnswer;
    try {
      res = await send(method, path, body, headers);
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError')
        throw new PortalError('portal_timeout', `${method} ${path} timed out after ${opts.timeoutMs} ms`, {
          cause: err,
        });
      throw new PortalError('portal_unreachable', `${method} ${path} failed: ${name}`, { cause: err });
    }
    if (res.status === 304) throw new NotModified();
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch (err) {
      throw new PortalError(
        'portal_response_invalid',
        `${method} ${path}: ${res.status} without a JSON body`,
        {
          cause: err,
          status: res.status,
        },
      );
    }
    if ((res.status < 200 || res.status > 299) && !verdictStatuses.includes(res.status)) {
      throw new PortalError('portal_status', `${method} ${path} answered ${res.status}`, {
        status: res.status,
        ...(res.status === 429 ? { retryAfterSeconds: retryAfterOf(res) } : {}),
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new PortalError(
        'portal_response_invalid',
        `${method} ${path}: response does not match the schema (${parsed.error.issues.length} issues)`,
        { status: res.status },
      );
    }
    return parsed.data;
  }

  return {
    payee: () => call('GET', PORTAL_API_PATHS.payee, undefined, payeeResponseSchema),
    leaseAddresses: (count, site) =>
      call(
        'POST',
        PORTAL_API_PATHS.addressLeases,
        site === undefined ? { count } : { count, site },
        addressLeaseResponseSchema,
      ),
    async sites(version) {
      // An unchanged list costs a 304 without a body: the poll every few seconds is nearly free.
      const headers: Record<string, string> =
        version === undefined ? {} : { 'if-none-match': `"${version}"` };
      try {
        return await call('GET', PORTAL_API_PATHS.sites, undefined, sitesResponseSchema, [], headers);
      } catch (err) {
        if (err instanceof NotModified) return 'unchanged';
        throw err;
      }
    },
    createChallenge: (body) => call('POST', PORTAL_API_PATHS.challenges, body, challengeSchema),
    settle: (body) =>
      call('POST', PORTAL_API_PATHS.settle, body, settleResponseSchema, [400, 402, 409, 422, 429]),
    leaseCredits: (body) => call('POST', PORTAL_API_PATHS.creditLeases, body, creditLeaseResponseSchema),
    returnCredits: (body) => call('POST', PORTAL_API_PATHS.creditReturns, body, creditReturnResponseSchema),
    countFreeRequest: (body) => call('POST', PORTAL_API_PATHS.freeTier, body, freeTierResponseSchema),
    close: () => exchange.close(),
  };
}
