import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';

export const MAX_TARGET_BYTES = 8192;

export interface NormalizedTarget {
  /** Canonical path: starts with "/", no empty or dot segments, unreserved characters decoded. */
  path: string;
  /** The query without "?" ("" when none); kept as sent apart from the character check. */
  query: string;
}

// RFC 3986 pchar minus '%': kept as they are. Anything else printable is percent-encoded.
const PATH_KEEP = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

/**
 * The one normalisation of a request target, applied once at the boundary so scopes cannot be
 * escaped or widened by spelling (`/paid/../free`, `/paid%2f..`, `/paid/%2e%2e/free`):
 *
 * - origin-form only: `http://…`, `host:443` and `*` are `uri_absolute_form`; empty is
 *   `uri_missing`; over 8 KiB is `uri_too_long`.
 * - control characters (raw or percent-encoded), space, `#`, non-ASCII, and `%` not followed by
 *   two hex digits are `path_invalid`; an encoded `/` or `\` (`%2F`, `%5C`) or a raw `\` is `path_encoded_separator`.
 * - percent-encoded unreserved characters are decoded (`%7E` → `~`, `%2e` → `.`); other
 *   escapes are kept with upper-case hex; other printable characters outside RFC 3986 `pchar`
 *   (`"`, `<`, `|`, …) are percent-encoded.
 * - runs of `/` collapse to one; `.` and `..` segments are resolved; `..` above the root is
 *   `path_dot_segment_escape`. A trailing `.`/`..` leaves a trailing `/` (RFC 3986 §5.2.4).
 * - case is kept: `/PAID` and `/paid` differ.
 */
export function normalizePath(target: string): NormalizedTarget {
  if (typeof target !== 'string' || target.length === 0)
    throw new ProtocolError(REASONS.URI_MISSING, 'empty request target');
  if (Buffer.byteLength(target) > MAX_TARGET_BYTES)
    throw new ProtocolError(REASONS.URI_TOO_LONG, `over ${MAX_TARGET_BYTES} bytes`);
  if (!target.startsWith('/'))
    throw new ProtocolError(REASONS.URI_ABSOLUTE_FORM, 'not an origin-form request target');
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  checkQuery(query);
  return { path: resolveDotSegments(canonicalEscapes(rawPath)), query };
}

function checkQuery(query: string): void {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23 /* # */)
      throw new ProtocolError(REASONS.PATH_INVALID, 'invalid character in query');
  }
}

function canonicalEscapes(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    const code = raw.charCodeAt(i);
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX2.test(hex)) throw new ProtocolError(REASONS.PATH_INVALID, 'bad percent-escape');
      const byte = parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c)
        throw new ProtocolError(REASONS.PATH_ENCODED_SEPARATOR, 'encoded / or \\ in path');
      // Encoded control characters (NUL, CR, LF, …) are refused like raw ones: back ends decode them.
      if (byte < 0x20 || byte === 0x7f)
        throw new ProtocolError(REASONS.PATH_INVALID, 'encoded control character');
      const decoded = String.fromCharCode(byte);
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (ch === '\\') {
      throw new ProtocolError(REASONS.PATH_ENCODED_SEPARATOR, 'backslash in path');
    } else if (code <= 0x20 || code >= 0x7f || ch === '#') {
      throw new ProtocolError(REASONS.PATH_INVALID, 'invalid character in path');
    } else if (PATH_KEEP.test(ch)) {
      out += ch;
    } else {
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

function resolveDotSegments(path: string): string {
  const segments = path.split('/').slice(1); // path starts with "/"
  const out: string[] = [];
  let trailingSlash = false;
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === '' || segment === '.') {
      trailingSlash = last;
    } else if (segment === '..') {
      if (out.length === 0) throw new ProtocolError(REASONS.PATH_DOT_SEGMENT_ESCAPE, '".." above the root');
      out.pop();
      trailingSlash = last;
    } else {
      out.push(segment);
      trailingSlash = false;
    }
  }
  if (out.length === 0) return '/';
  return `/${out.join('/')}${trailingSlash ? '/' : ''}`;
}
