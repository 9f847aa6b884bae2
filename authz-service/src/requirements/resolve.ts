import type { DeclarationOptions, NetworkRegistry, PaymentRequest } from '@turnpike/protocol';
import { LRUCache } from 'lru-cache';
import type { DecisionLogger, NeutralRequest } from '../core/types.js';
import { AUTHZ_REASONS, type AuthzReason } from '../reasons.js';
import type { ProbeCache } from './probe-cache.js';
import { ProbeError, probeUpstream, type ProbeAnswer } from './probe.js';
import type { RouteTable, StaticRoute } from './static-routes.js';
import type { UpstreamMap } from './upstreams.js';

export type Resolution =
  | { kind: 'free' }
  | { kind: 'priced'; request: PaymentRequest; source: 'route' | 'upstream'; routeName?: string }
  | { kind: 'deny'; decision: 'forbidden' | 'unavailable'; reason: AuthzReason };

export interface RequirementResolver {
  resolve(req: NeutralRequest, path: string, log: DecisionLogger): Promise<Resolution>;
  /** The resolution when no probe is needed (static route, unknown host, fresh cache), else undefined. */
  resolveCached?(req: NeutralRequest, path: string, log: DecisionLogger): Resolution | undefined;
}

export interface ResolverDeps {
  routes: RouteTable;
  upstreams: UpstreamMap;
  cache: ProbeCache;
  registry: NetworkRegistry;
  probe: { timeoutMs: number; maxBodyBytes: number; metaFromHtml: boolean };
  /** Token lifetime of a declaration without `exp` (config `declarations.defaultTokenLifetimeMs`). */
  defaultTokenLifetimeMs?: number;
  /** A host's own lifetime for declarations without `exp` (its site's, docs/sites.md), else the default. */
  tokenLifetimeMsFor?: (host: string) => number | undefined;
  /** What a host no route names and no upstream maps gets: `forbidden` (default) or `free`. */
  unknownHosts?: 'forbidden' | 'free';
  /** Injected in tests; defaults to {@link probeUpstream}. */
  probeFn?: typeof probeUpstream;
}

const FREE: Resolution = { kind: 'free' };

/**
 * What a request's resource requires: the Envoy route's named static route, else the first
 * static route that covers it, else the upstream's own declaration (probed, cached). A host that
 * neither names is refused (`host_unknown`): an unconfigured host is a mistake, not a free pass.
 */
export function createRequirementResolver(deps: ResolverDeps): RequirementResolver {
  const probeFn = deps.probeFn ?? probeUpstream;
  const probeOpts = { registry: deps.registry, ...deps.probe };
  /** Declarations already warned about (a Go-duration `exp`): once per declaration, not per probe. */
  const warned = new LRUCache<string, true>({ max: 10_000 });
  const declarationsFor = (req: NeutralRequest, path: string, log: DecisionLogger): DeclarationOptions => {
    const lifetime = deps.tokenLifetimeMsFor?.(req.host) ?? deps.defaultTokenLifetimeMs;
    return {
      ...(lifetime === undefined ? {} : { defaultTokenLifetimeMs: lifetime }),
      onGoDurationExp: (notice) => {
        if (warned.has(notice.declaration)) return;
        warned.set(notice.declaration, true);
        log.warn(
          {
            host: req.host,
            path,
            exp: notice.exp,
            tokenLifetimeMs: notice.lifetimeMs,
            declaration: notice.declaration,
          },
          'deprecated: the declaration gives exp as a Go duration in nanoseconds; read as milliseconds of lifetime (write exp in milliseconds)',
        );
      },
    };
  };

  /** Everything that needs no probe: route name, static routes, unknown hosts, fresh cache. */
  const resolveLocal = (req: NeutralRequest, path: string): Resolution | string => {
    if (req.routeName !== undefined) {
      const named = deps.routes.byName(req.routeName);
      if (named === undefined)
        return { kind: 'deny', decision: 'forbidden', reason: AUTHZ_REASONS.ROUTE_UNKNOWN };
      return pricedByRoute(named);
    }
    const route = deps.routes.match(req.host, path, req.method);
    if (route !== undefined) return pricedByRoute(route);
    const baseUrl = deps.upstreams.lookup(req.host);
    if (baseUrl === undefined) {
      if (deps.routes.knowsHost(req.host) || deps.unknownHosts === 'free') return FREE;
      return { kind: 'deny', decision: 'forbidden', reason: AUTHZ_REASONS.HOST_UNKNOWN };
    }
    return baseUrl;
  };

  const fromAnswer = (
    answer: ProbeAnswer,
    req: NeutralRequest,
    path: string,
    log: DecisionLogger | undefined,
  ): Resolution => {
    switch (answer.kind) {
      case 'free':
        return FREE;
      case 'priced':
        return { kind: 'priced', request: answer.request, source: 'upstream' };
      case 'invalid':
        log?.warn(
          { host: req.host, path, declarationReason: answer.reason },
          'upstream declared an invalid payment request; denying',
        );
        return { kind: 'deny', decision: 'unavailable', reason: AUTHZ_REASONS.UPSTREAM_DECLARATION_INVALID };
      default: {
        const never: never = answer;
        throw new Error(`unexpected probe answer ${String(never)}`);
      }
    }
  };

  return {
    resolveCached(req, path, log) {
      const local = resolveLocal(req, path);
      if (typeof local !== 'string') return local;
      const answer = deps.cache.peek(req.host, path);
      return answer === undefined ? undefined : fromAnswer(answer, req, path, log);
    },
    async resolve(req, path, log) {
      const local = resolveLocal(req, path);
      if (typeof local !== 'string') return local;
      const baseUrl = local;
      let answer: ProbeAnswer;
      try {
        answer = await deps.cache.get(req.host, path, () =>
          probeFn(baseUrl, req.host, path, { ...probeOpts, declarations: declarationsFor(req, path, log) }),
        );
      } catch (err) {
        log.warn(
          { host: req.host, path, err: err instanceof ProbeError ? err.message : String(err) },
          'upstream probe failed; denying',
        );
        return { kind: 'deny', decision: 'unavailable', reason: AUTHZ_REASONS.UPSTREAM_PROBE_FAILED };
      }
      return fromAnswer(answer, req, path, log);
    },
  };
}

function pricedByRoute(route: StaticRoute): Resolution {
  return {
    kind: 'priced',
    request: route.request,
    source: 'route',
    ...(route.name === undefined ? {} : { routeName: route.name }),
  };
}
