import { normalizePath } from '@turnpike/protocol';

/**
 * The request target after the one normalisation Turnpike applies (dot segments, `//`, escapes of
 * unreserved characters). The authorizer decides on this form, so the upstream must receive the
 * same form: otherwise `/premium/../free` would be judged free and served as `/premium/…` by an
 * app that does not resolve dot segments. A target that cannot be normalised is returned as it
 * came: the authorizer refuses it with its own reason.
 */
export function canonicalTarget(raw: string): string {
  try {
    const { path, query } = normalizePath(raw);
    return query === '' ? path : `${path}?${query}`;
  } catch {
    return raw;
  }
}
