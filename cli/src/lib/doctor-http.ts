import { readFile } from 'node:fs/promises';
import { PORTAL_API_PATHS } from '@turnpike/protocol';
import { z } from '@turnpike/protocol/service';
import { fetchFailure, ok, problem, redactUrl, type DoctorCheck } from './doctor-check.js';

const jwksSchema = z.looseObject({ keys: z.array(z.looseObject({ kid: z.string().optional() })) });

/** Fetches the JWKS the authorizer reads and checks it serves every kid the portal is configured with. */
export async function checkJwks(
  url: string,
  portalKids: readonly string[],
  timeoutMs: number,
): Promise<DoctorCheck> {
  const target = redactUrl(url);
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    if (res.status !== 200)
      return problem(
        'jwks',
        target,
        `HTTP ${res.status}`,
        "jwks.url must be the portal's <public URL><prefix>/.well-known/jwks.json",
      );
    body = await res.json();
  } catch (err) {
    return problem(
      'jwks',
      target,
      fetchFailure(err, timeoutMs),
      'is the portal up, and is jwks.url reachable from the authorizer host?',
    );
  }
  return checkJwksDocument(target, body, portalKids);
}

/** Reads the authorizer's `jwks.file` and checks it like a fetched JWKS. */
export async function checkJwksFile(file: string, portalKids: readonly string[]): Promise<DoctorCheck> {
  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'not JSON';
    return problem(
      'jwks',
      file,
      `cannot read: ${why}`,
      "save the portal's <prefix>/.well-known/jwks.json there",
    );
  }
  return checkJwksDocument(file, body, portalKids);
}

function checkJwksDocument(target: string, body: unknown, portalKids: readonly string[]): DoctorCheck {
  const parsed = jwksSchema.safeParse(body);
  if (!parsed.success)
    return problem('jwks', target, 'not a JWK set', 'jwks points at something other than a JWKS');
  const served = new Set(parsed.data.keys.map((k) => k.kid));
  const missing = portalKids.filter((kid) => !served.has(kid));
  if (missing.length > 0)
    return problem(
      'jwks',
      target,
      `does not serve kid ${missing.join(', ')} of the portal's tokens.signingKeys`,
      'jwks points at another portal, the portal was not restarted with its new keys, or jwks.file is stale',
    );
  return ok('jwks', target, `${served.size} key(s), including every portal kid`);
}

/**
 * Calls the internal API's read-only `GET /internal/v1/payee` with the bearer token: 200 proves
 * both the address and the token; 401 is the wrong token.
 */
export async function checkInternalApi(
  baseUrl: string,
  token: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const url = `${baseUrl.replace(/\/+$/, '')}${PORTAL_API_PATHS.payee}`;
  const target = redactUrl(url);
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer();
    if (res.status === 401)
      return problem(
        'internal api',
        target,
        'the token is refused (401)',
        "authz-service portal.token must hold the same secret as the portal's listeners.internalToken",
      );
    if (res.status !== 200)
      return problem(
        'internal api',
        target,
        `HTTP ${res.status}`,
        "portal.internalUrl must be the portal's internal listener",
      );
    return ok('internal api', target, 'reachable, token accepted');
  } catch (err) {
    return problem(
      'internal api',
      target,
      fetchFailure(err, timeoutMs),
      'is the portal up, and is its internal listener (listeners.internal) reachable from here?',
    );
  }
}
