import { macBase64url } from '../sealed/seal.js';

/** The parameters of an MPP challenge its id binds (draft-httpauth-payment §5.1.2.1.1). */
export interface MppChallengeParams {
  realm: string;
  method: string;
  intent: string;
  /** base64url JCS JSON, as on the wire. */
  request: string;
  expires?: string | undefined;
  digest?: string | undefined;
  /** base64url JCS JSON, as on the wire. */
  opaque?: string | undefined;
}

/**
 * The challenge id the draft recommends: base64url(HMAC-SHA256(key, realm|method|intent|request|
 * expires|digest|opaque)), optional slots empty. Stateless: the portal recomputes it from the
 * echoed challenge to know the parameters are the ones this installation issued.
 */
export function mppChallengeId(key: Buffer, p: MppChallengeParams): string {
  return macBase64url(
    key,
    [p.realm, p.method, p.intent, p.request, p.expires ?? '', p.digest ?? '', p.opaque ?? ''].join('|'),
  );
}
