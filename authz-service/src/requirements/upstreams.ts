import { compileHostPattern, type HostMatcher } from './host-pattern.js';

export interface UpstreamMap {
  /** The internal base URL for the host (most specific pattern wins), or undefined. */
  lookup(host: string): string | undefined;
}

/** Compiles `host pattern → base URL` from config. Exact hosts win over wildcards. */
export function createUpstreamMap(upstreams: Readonly<Record<string, string>>): UpstreamMap {
  const entries: Array<{ matcher: HostMatcher; baseUrl: string }> = Object.entries(upstreams)
    .map(([pattern, baseUrl]) => ({
      matcher: compileHostPattern(pattern),
      baseUrl: baseUrl.replace(/\/+$/, ''),
    }))
    .sort((a, b) => b.matcher.specificity - a.matcher.specificity);
  return {
    lookup(host) {
      for (const e of entries) if (e.matcher.matches(host)) return e.baseUrl;
      return undefined;
    },
  };
}
