import {
  createSiteIndex,
  DEFAULT_SITE_ID,
  type AuthzSite,
  type NetworkRegistry,
  type PayeeResponse,
  type Site,
  type SitesResponse,
} from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { createAddressPool, type AddressPool } from '../addresses/address-pool.js';
import { createEvmAddressDeriver } from '../addresses/derive-evm.js';
import { createXpubDeriver, type XpubDeriver } from '../addresses/xpub-deriver.js';
import { describePayee, type PayeeSettings } from '../challenges/payee.js';
import type { Database } from '../storage/index.js';
import { listSites, sitesFingerprint } from './site-rows.js';

/** A site as the portal serves it: its definition and the wallets its money goes to. */
export interface PortalSite {
  id: string;
  hosts: readonly string[];
  /** The stored definition; undefined for `default` (the portal config's). */
  definition: Site | undefined;
  /** Derives its challenge and x402 addresses (absent: no EVM wallet). */
  deriver: XpubDeriver | undefined;
  /** Its pay-page receive address pool (absent: no EVM wallet). */
  evmPool: AddressPool | undefined;
  /** Its Solana wallet (absent: no Solana offers). */
  solanaWallet: string | undefined;
  /** What its 402s are paid with. */
  payee: PayeeResponse;
}

/**
 * The sites, cached in memory on every replica: `default` (the config file's wallets, owner of
 * every host no other enabled site claims) and the enabled stored sites. The stored list is polled
 * with one cheap aggregate every `pollMs` and reloaded when it moved, so a change made on any
 * replica is served by all within about `pollMs` (plus the authorizers' own poll).
 */
export interface SiteRegistry {
  /** The site owning a request host (a map lookup once the host was seen). */
  resolve(host: string): PortalSite;
  /** An enabled site by id (`default` always). */
  byId(id: string): PortalSite | undefined;
  /** The version naming the current list (the internal API's ETag). */
  version(): string;
  /** The list as the authorizers read it. */
  forAuthz(): SitesResponse;
  /** Reloads now when the stored list moved (after an admin write; the poll does the same). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export interface SiteRegistryOptions {
  db: Database;
  registry: NetworkRegistry;
  defaultSite: Omit<PortalSite, 'id' | 'hosts' | 'definition'>;
  /** Settings every site's payee shares (proof kinds, fee payer, challenge lifetime). */
  payeeSettings: Omit<PayeeSettings, 'solanaWallet'>;
  rpcUrls: ReadonlyMap<string, readonly string[]>;
  pool: { lowWater: number; batch: number };
  pollMs: number;
  logger?: Logger;
}

/** Keeps only the networks a site accepts (its `accept.networks` allow-list). */
function restrictPayee(payee: PayeeResponse, networks: readonly string[] | undefined): PayeeResponse {
  if (networks === undefined) return payee;
  const keep = (list: readonly string[]) => list.filter((n) => networks.includes(n));
  return {
    ...payee,
    txNetworks: keep(payee.txNetworks),
    ...(payee.x402 === undefined ? {} : { x402: { ...payee.x402, networks: keep(payee.x402.networks) } }),
    ...(payee.x402Svm === undefined
      ? {}
      : { x402Svm: { ...payee.x402Svm, networks: keep(payee.x402Svm.networks) } }),
  };
}

export async function startSiteRegistry(opts: SiteRegistryOptions): Promise<SiteRegistry> {
  const defaultSite: PortalSite = {
    id: DEFAULT_SITE_ID,
    hosts: [],
    definition: undefined,
    ...opts.defaultSite,
  };
  // Derivers and pools outlive a reload (a pool's refill timer, a deriver's cached parents).
  const derivers = new Map<string, XpubDeriver>();
  const pools = new Map<string, AddressPool>();
  let sites: PortalSite[] = [defaultSite];
  let byId = new Map<string, PortalSite>([[DEFAULT_SITE_ID, defaultSite]]);
  let index = createSiteIndex(sites, defaultSite);
  let fingerprint = '';
  let authz: SitesResponse | undefined;

  const poolOf = (xpub: string, deriver: XpubDeriver): AddressPool => {
    let pool = pools.get(deriver.walletId);
    if (pool === undefined) {
      pool = createAddressPool({
        db: opts.db,
        deriver: createEvmAddressDeriver(xpub),
        lowWater: opts.pool.lowWater,
        batch: opts.pool.batch,
        logger: opts.logger,
      });
      pool.start();
      pools.set(deriver.walletId, pool);
    }
    return pool;
  };

  const build = (site: Site): PortalSite => {
    const xpub = site.wallets.evm?.xpub;
    let deriver: XpubDeriver | undefined;
    if (xpub !== undefined) {
      deriver = derivers.get(xpub) ?? createXpubDeriver(xpub);
      derivers.set(xpub, deriver);
    }
    const solanaWallet = site.wallets.solana?.address;
    const payee = describePayee(
      { ...opts.payeeSettings, solanaWallet },
      { registry: opts.registry, rpcUrls: opts.rpcUrls, deriver },
    );
    return {
      id: site.id,
      hosts: site.hosts,
      definition: site,
      deriver,
      evmPool: xpub === undefined || deriver === undefined ? undefined : poolOf(xpub, deriver),
      solanaWallet,
      payee: restrictPayee(payee, site.accept?.networks),
    };
  };

  const reload = async (): Promise<void> => {
    const seen = await sitesFingerprint(opts.db);
    if (seen === fingerprint) return;
    const stored = (await listSites(opts.db)).filter((s) => s.enabled);
    const next = [defaultSite, ...stored.map(build)];
    sites = next;
    byId = new Map(next.map((s) => [s.id, s]));
    index = createSiteIndex(next, defaultSite);
    authz = undefined;
    fingerprint = seen;
    opts.logger?.info({ version: seen, sites: next.length }, 'sites loaded');
  };

  await reload();
  let polling: Promise<void> | undefined;
  const poll = () => {
    polling ??= reload()
      .catch((err: unknown) => opts.logger?.warn({ err }, 'sites reload failed; keeping the last good copy'))
      .finally(() => {
        polling = undefined;
      });
    return polling;
  };
  const timer = setInterval(() => void poll(), opts.pollMs);
  timer.unref();

  const authzSite = (s: PortalSite): AuthzSite => ({
    id: s.id,
    hosts: [...s.hosts],
    ...(s.definition?.upstream === undefined ? {} : { upstream: s.definition.upstream }),
    ...(s.definition?.accept === undefined ? {} : { accept: s.definition.accept }),
    ...(s.definition?.tokenLifetimeMs === undefined ? {} : { tokenLifetimeMs: s.definition.tokenLifetimeMs }),
    payee: s.payee,
  });

  return {
    resolve: (host) => index.resolve(host),
    byId: (id) => byId.get(id),
    version: () => fingerprint || '0.0',
    forAuthz() {
      authz ??= { version: fingerprint || '0.0', sites: sites.map(authzSite) };
      return authz;
    },
    async refresh() {
      await polling;
      await poll();
    },
    async stop() {
      clearInterval(timer);
      await polling;
      await Promise.all([...pools.values()].map((p) => p.stop()));
    },
  };
}
