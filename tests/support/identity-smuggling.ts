/**
 * Ways a client tries to smuggle or strip the identity headers a gateway sets from the
 * authorizer's answer, and the check of what the app received. Shared by the Express gateway's
 * suite and the real NGINX / Caddy / HAProxy suites.
 *
 * - `Connection: X-402-Payer, …`: a proxy that honours Connection tokens after setting the
 *   identity headers drops Turnpike's own copies.
 * - `X_402_Payer: …` (underscore for dash): CGI, WSGI, Rack and PHP map both `X-402-Payer` and
 *   `X_402_Payer` to `HTTP_X_402_PAYER`, so a variant a gateway passes on can win in the app.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const IDENTITY_HEADER_NAMES = [
  'x-402-payer',
  'x-402-token-id',
  'x-402-claims',
  'x-402-scope',
] as const;

/** The value a header would have in a CGI-style environment: case and `_`/`-` folded. */
export function cgiName(header: string): string {
  return header.toLowerCase().replace(/_/g, '-');
}

/** Headers only the gateway sets, apart from the identity headers. */
export const FORWARDED_HEADER_NAMES = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'] as const;

/** Every spelling of `name` with at least one `_` for a `-`, in alternating case. */
export function underscoreSpellings(name: string): string[] {
  const parts = name.split('-');
  const out: string[] = [];
  for (let mask = 1; mask < 1 << (parts.length - 1); mask++) {
    let spelled = parts[0]!;
    for (let i = 1; i < parts.length; i++) spelled += (mask & (1 << (i - 1)) ? '_' : '-') + parts[i]!;
    out.push([...spelled].map((c, i) => ((i + mask) % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join(''));
  }
  return out;
}

/** Every underscore spelling of the identity and X-Forwarded-* headers, each with a hostile value. */
export const UNDERSCORE_VARIANTS: Record<string, string> = Object.fromEntries(
  [...IDENTITY_HEADER_NAMES, ...FORWARDED_HEADER_NAMES].flatMap((name) =>
    underscoreSpellings(name).map((spelled) => [spelled, name.endsWith('for') ? '6.6.6.6' : 'evil']),
  ),
);

export const SMUGGLING_CASES: ReadonlyArray<{ name: string; headers: Record<string, string> }> = [
  {
    name: 'Connection naming the identity headers',
    headers: {
      connection: 'X-402-Payer, X-402-Scope, x-402-token-id, X-402-Claims',
      'x-402-payer': '0xspoofed',
    },
  },
  {
    name: 'underscore spellings of the identity and X-Forwarded-* headers',
    headers: { ...UNDERSCORE_VARIANTS },
  },
  {
    name: 'Connection naming them and underscore spellings together',
    headers: { connection: 'X-402-Payer, X_402_Payer, X-Forwarded-For', ...UNDERSCORE_VARIANTS },
  },
];

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Problems with what the app received: an identity or X-Forwarded-* header under any name but
 * its own, a
 * Connection header naming one, or (when `expected` is given) a value other than Turnpike's.
 * `forwardedToo: false` skips the X-Forwarded-* checks (for an app that is not behind a gateway).
 * `expected` maps each identity header to Turnpike's value ('' or absent = absent or empty; a
 * RegExp for values the test cannot know, such as the token id).
 */
export function identityProblems(
  seen: IncomingHttpHeaders,
  expected: Partial<Record<string, string | RegExp>>,
  opts: { forwardedToo: boolean } = { forwardedToo: true },
): string[] {
  const problems: string[] = [];
  const owned = new Set<string>([
    ...IDENTITY_HEADER_NAMES,
    ...(opts.forwardedToo ? FORWARDED_HEADER_NAMES : []),
  ]);
  for (const name of Object.keys(seen)) {
    if (name !== cgiName(name) && owned.has(cgiName(name)))
      problems.push(`the app received the variant ${name}: ${list(seen[name]).join(', ')}`);
  }
  const tokens = list(seen.connection)
    .join(',')
    .split(',')
    .map((t) => cgiName(t.trim()));
  for (const t of tokens) if (owned.has(t)) problems.push(`the app's Connection header names ${t}`);
  for (const name of IDENTITY_HEADER_NAMES) {
    const got = list(seen[name]);
    const want = expected[name] ?? '';
    const ok =
      want === ''
        ? got.every((v) => v === '')
        : got.length === 1 && (typeof want === 'string' ? got[0] === want : want.test(got[0]!));
    if (!ok) problems.push(`${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return problems;
}
