import {
  challengeSchema,
  PORTAL_API_PATHS,
  referenceResponseSchema,
  settleResponseSchema,
  type Challenge,
  type ChallengeRequest,
  type ReferenceRequest,
  type ReferenceResponse,
  type SettleRequest,
  type SettleResponse,
} from '@turnpike/protocol';
import type { z } from 'zod';

export type {
  Challenge,
  ChallengeRequest,
  ReferenceRequest,
  ReferenceResponse,
  SettleRequest,
  SettleResponse,
};

/** Why a portal call failed. Callers answer `unavailable` with `portal_unavailable` on any of them. */
export type PortalErrorCode =
  'portal_timeout' | 'portal_unreachable' | 'portal_status' | 'portal_response_invalid';

export class PortalError extends Error {
  readonly code: PortalErrorCode;
  readonly status: number | undefined;
  constructor(code: PortalErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'PortalError';
    this.code = code;
    this.status = options?.status;
  }
}

export interface PortalClient {
  createReference(body: ReferenceRequest): Promise<ReferenceResponse>;
  createChallenge(body: ChallengeRequest): Promise<Challenge>;
  settle(body: SettleRequest): Promise<SettleResponse>;
}

export interface PortalClientOptions {
  /** The portal's internal listener, e.g. http://portal:8091. */
  baseUrl: string;
  /** Bearer secret of the internal API (already revealed; never logged). */
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * Client of the portal's internal API (`protocol/src/portal-api`): bearer secret, a timeout on
 * every call, every response parsed with the shared zod schemas. Settle answers `{ok:false}` as
 * data (HTTP 4xx with a settle body is a verdict, not a failure).
 */
export function createPortalClient(opts: PortalClientOptions): PortalClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const authorization = `Bearer ${opts.token}`;

  async function post<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    verdictStatuses: readonly number[] = [],
  ): Promise<z.output<S>> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
        body: JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new PortalError('portal_timeout', `POST ${path} timed out after ${opts.timeoutMs} ms`, {
          cause: err,
        });
      throw new PortalError('portal_unreachable', `POST ${path} failed: ${name}`, { cause: err });
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      throw new PortalError('portal_response_invalid', `POST ${path}: ${res.status} without a JSON body`, {
        cause: err,
        status: res.status,
      });
    }
    if (!res.ok && !verdictStatuses.includes(res.status)) {
      throw new PortalError('portal_status', `POST ${path} answered ${res.status}`, { status: res.status });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new PortalError(
        'portal_response_invalid',
        `POST ${path}: response does not match the schema (${parsed.error.issues.length} issues)`,
        { status: res.status },
      );
    }
    return parsed.data;
  }

  return {
    createReference: (body) => post(PORTAL_API_PATHS.references, body, referenceResponseSchema),
    createChallenge: (body) => post(PORTAL_API_PATHS.challenges, body, challengeSchema),
    settle: (body) => post(PORTAL_API_PATHS.settle, body, settleResponseSchema, [400, 402, 409, 422, 429]),
  };
}
