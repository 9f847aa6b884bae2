/** A compiled host pattern: `example.com`, `*.example.com` (any depth of subdomain, not the apex), optionally `:port`. */
export interface HostMatcher {
  pattern: string;
  matches(host: string): boolean;
  /** Higher is more specific: exact before wildcard, longer suffix before shorter. */
  specificity: number;
}

/** Strips the port from a host (`[v6]:443` kept bracketed). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Compiles a host pattern. A pattern with a port matches only that exact host:port; one without
 * matches the host name whatever the port.
 */
export function compileHostPattern(pattern: string): HostMatcher {
  const withPort = /:\d+$/.test(pattern);
  const subject = (host: string): string => (withPort ? host : hostnameOf(host));
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1); // ".example.com"
    return {
      pattern,
      specificity: suffix.length,
      matches: (host) => {
        const h = subject(host);
        return h.length > suffix.length && h.endsWith(suffix);
      },
    };
  }
  return { pattern, specificity: 100_000 + pattern.length, matches: (host) => subject(host) === pattern };
}
