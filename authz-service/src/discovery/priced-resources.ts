import {
  checksumEvmAddress,
  type NetworkRegistry,
  type PayeeResponse,
  type PaymentRequest,
} from '@turnpike/protocol';
import { bazaarExtension } from '../render/bazaar.js';
import type { ProbeCache } from '../requirements/probe-cache.js';
import type { RouteTable } from '../requirements/static-routes.js';

/** One entry of the list (x402-specification-v2.md §8.2, "Discovered Resource Fields"). */
export interface DiscoveredResource {
  resource: string;
  type: 'http';
  x402Version: 2;
  accepts: unknown[];
  /** Unix seconds. */
  lastUpdated: number;
  metadata: Record<string, unknown>;
}

export interface PricedResourcesDeps {
  routes: RouteTable;
  cache: Pick<ProbeCache, 'pricedOf'>;
  registry: NetworkRegistry;
  payee: () => PayeeResponse | undefined;
  maxTimeoutSeconds: number;
  now?: () => number;
}

/**
 * The priced resources of one host that the authorizer knows: its static routes (each path
 * pattern, the pattern's literal prefix as the resource) and the declarations it probed recently
 * (still in the probe cache), in the shape of x402's discovery list. `accepts` lists the x402
 * `exact` terms without a requester's secret (a 402 adds one); `metadata.offers` every offer.
 */
export function pricedResources(
  deps: PricedResourcesDeps,
  scheme: string,
  host: string,
): DiscoveredResource[] {
  const now = Math.floor((deps.now ?? Date.now)() / 1000);
  const origin = `${scheme}://${host}`;
  const seen = new Set<string>();
  const items: DiscoveredResource[] = [];
  const add = (
    path: string,
    request: PaymentRequest,
    lastUpdated: number,
    extra: Record<string, unknown>,
  ) => {
    const resource = origin + path;
    if (seen.has(resource)) return;
    seen.add(resource);
    const bazaar = bazaarExtension(request, 'GET', request.mimeType);
    items.push({
      resource,
      type: 'http',
      x402Version: 2,
      accepts: x402Accepts(request, deps),
      lastUpdated,
      metadata: {
        ...extra,
        ...(request.description === undefined ? {} : { description: request.description }),
        ...(request.mimeType === undefined ? {} : { mimeType: request.mimeType }),
        offers: request.offers.map((o) => ({ network: o.network, asset: o.asset.symbol, amount: o.amount })),
        ...(bazaar === undefined ? {} : { bazaar }),
      },
    });
  };
  for (const route of deps.routes.forHost(host)) {
    for (const pattern of route.paths) {
      add(literalPrefix(pattern), route.request, now, {
        source: 'route',
        pathPattern: pattern,
        ...(route.methods === undefined ? {} : { methods: route.methods }),
      });
    }
  }
  const probed = deps.cache.pricedOf(host).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const p of probed) add(p.path, p.request, Math.floor(p.storedAtMs / 1000), { source: 'upstream' });
  return items;
}

/** `/premium/**` → `/premium`; `/a/*.pdf` → `/a`; `/` stays `/`. */
function literalPrefix(pattern: string): string {
  const star = pattern.indexOf('*');
  const literal = star === -1 ? pattern : pattern.slice(0, pattern.lastIndexOf('/', star) + 1);
  return literal.length > 1 && literal.endsWith('/') ? literal.slice(0, -1) : literal || '/';
}

function x402Accepts(request: PaymentRequest, deps: PricedResourcesDeps): unknown[] {
  const x402 = deps.payee()?.x402;
  if (x402 === undefined) return [];
  const payTo = checksumEvmAddress(x402.payTo) ?? x402.payTo;
  const out: unknown[] = [];
  for (const o of request.offers) {
    if (o.asset.kind !== 'erc20' || !x402.networks.includes(o.network)) continue;
    out.push({
      scheme: 'exact',
      network: deps.registry.require(o.network).caip2,
      amount: o.atomic.toString(),
      asset: o.asset.address,
      payTo,
      maxTimeoutSeconds: deps.maxTimeoutSeconds,
      extra: { name: o.asset.eip712.name, version: o.asset.eip712.version },
    });
  }
  return out;
}
