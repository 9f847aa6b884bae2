/** The characters after a sealed value's last `.`: its base64url HMAC-SHA256 tag. */
const TAG_CHARS = 43;
/** A push challenge's index among the 402's push challenges, after the seal's tag. */
const INDEX = /^[0-9a-z]{1,4}$/;

/**
 * The id of a push challenge (evm `hash`, solana `signature`): the MAC tag of the sealed challenge
 * its `opaque.c` carries, then the challenge's index among the 402's push challenges (base 36),
 * so each id is unique. No HMAC of its own: everything a push credential is verified against
 * (network, asset, amount, recipient or reference, resource, expiry) is read from that seal, which
 * the portal opens with its own MAC; the request's echoed fields are only compared with it. The
 * seal's MAC was computed for the 402 anyway, so this saves one HMAC per API 402 (bench/402).
 */
export function mppPushChallengeId(sealed: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError('a push challenge index is a natural number');
  return sealed.slice(-TAG_CHARS) + index.toString(36);
}

/**
 * True when `id` has the form of a push challenge id for `sealed` (its tag and an index). Says
 * nothing of the seal itself: the caller opens it with its key.
 */
export function isMppPushChallengeId(id: string, sealed: string): boolean {
  return (
    sealed.length > TAG_CHARS &&
    sealed[sealed.length - TAG_CHARS - 1] === '.' &&
    id.startsWith(sealed.slice(-TAG_CHARS)) &&
    INDEX.test(id.slice(TAG_CHARS))
  );
}
