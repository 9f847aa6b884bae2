import type { PaymentRequest } from '@turnpike/protocol';
import { compileHostPattern, type HostMatcher } from './host-pattern.js';
import { compilePathGlob } from './path-glob.js';

/** A static route with its payment request already parsed (see loadAuthzConfig). */
export interface StaticRoute {
  name?: string | undefined;
  hosts: string[];
  paths: string[];
  methods?: string[] | undefined;
  request: PaymentRequest;
}

interface CompiledRoute {
  route: StaticRoute;
  hosts: HostMatcher[];
  paths: Array<(path: string) => boolean>;
  methods: ReadonlySet<string> | undefined;
}

export interface RouteTable {
  /** The first route (config order) covering host, path and method. */
  match(host: string, path: string, method: string): StaticRoute | undefined;
  byName(name: string): StaticRoute | undefined;
  /** True when some route names this host (so the host is known even if the path is free). */
  knowsHost(host: string): boolean;
  /** Every route naming this host, in config order (the discovery list). */
  forHost(host: string): StaticRoute[];
}

/** Compiles the static routes once; lookups allocate nothing. */
export function createRouteTable(routes: readonly StaticRoute[]): RouteTable {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    hosts: route.hosts.map(compileHostPattern),
    paths: route.paths.map(compilePathGlob),
    methods: route.methods === undefined ? undefined : new Set(route.methods),
  }));
  const named = new Map<string, StaticRoute>();
  for (const r of routes) if (r.name !== undefined) named.set(r.name, r);
  return {
    match(host, path, method) {
      for (const c of compiled) {
        if (c.methods !== undefined && !c.methods.has(method)) continue;
        if (!c.hosts.some((h) => h.matches(host))) continue;
        if (c.paths.some((p) => p(path))) return c.route;
      }
      return undefined;
    },
    byName: (name) => named.get(name),
    knowsHost: (host) => compiled.some((c) => c.hosts.some((h) => h.matches(host))),
    forHost: (host) => compiled.filter((c) => c.hosts.some((h) => h.matches(host))).map((c) => c.route),
  };
}
