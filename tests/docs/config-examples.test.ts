/**
 * Every config example in the repo loads as it is, through its service's real loader, with the
 * environment its header documents (tests/docs/config-examples.ts says how examples are found);
 * the portal's also passes the start-up checks that need no database (token keys parse). The
 * authorizer's and the portal's examples fit together: one issuer, the JWKS on the portal's public
 * listener, the internal API on its internal listener with the same token, the same networks.
 */
import path from 'node:path';
import { checkPortalStartup } from '../../payment-portal/src/cli/check-config.js';
import {
  configExamples,
  documentedEnvFor,
  loadExample,
  REPO_ROOT,
  type LoadedExample,
} from './config-examples.js';

const examples = configExamples();

async function load(relative: string): Promise<LoadedExample> {
  const example = examples.find((e) => e.relative === relative);
  if (!example) throw new Error(`${relative} is not a config example`);
  return loadExample(example.service, example.file, documentedEnvFor(example.file));
}

/** Pairs to check for fit: the two shipped examples, and any folder with one example of each. */
function pairs(): Array<[authz: string, portal: string]> {
  const out: Array<[string, string]> = [
    ['authz-service/config.example.yaml', 'payment-portal/config.example.yaml'],
  ];
  const byDir = new Map<string, typeof examples>();
  for (const e of examples)
    byDir.set(path.dirname(e.relative), [...(byDir.get(path.dirname(e.relative)) ?? []), e]);
  for (const group of byDir.values()) {
    const authz = group.filter((e) => e.service === 'authz');
    const portal = group.filter((e) => e.service === 'portal');
    if (authz.length === 1 && portal.length === 1) out.push([authz[0]!.relative, portal[0]!.relative]);
  }
  return out;
}

describe('config examples', () => {
  it('finds the shipped examples of both services', () => {
    expect(examples.map((e) => [e.relative, e.service])).toEqual(
      expect.arrayContaining([
        ['authz-service/config.example.yaml', 'authz'],
        ['payment-portal/config.example.yaml', 'portal'],
      ]),
    );
  });

  it.each(examples.map((e) => [e.relative, e] as const))('%s loads as it is', async (_relative, example) => {
    const loaded = await loadExample(example.service, example.file, documentedEnvFor(example.file));
    if (loaded.service === 'portal') {
      expect(checkPortalStartup(loaded.config).kids.length).toBeGreaterThan(0);
    } else {
      expect(loaded.loaded.config.portal.token.reveal().length).toBeGreaterThanOrEqual(16);
    }
  });

  it.each(pairs())('%s fits %s', async (authzFile, portalFile) => {
    const authz = await load(authzFile);
    const portal = await load(portalFile);
    if (authz.service !== 'authz' || portal.service !== 'portal')
      throw new Error('pair of the wrong services');
    const a = authz.loaded.config;
    const p = portal.config;
    expect(a.issuer).toBe(p.issuer);
    expect(a.portal.publicPathPrefix).toBe(p.publicPathPrefix);
    expect(a.portal.token.reveal()).toBe(p.listeners.internalToken.reveal());

    const sameListener = (url: URL, listener: { host: string; port: number }): void => {
      expect(Number(url.port || (url.protocol === 'https:' ? 443 : 80))).toBe(listener.port);
      // A wildcard listener is reached on loopback from the same host; any other host by name.
      if (!['0.0.0.0', '::'].includes(listener.host)) expect(url.hostname).toBe(listener.host);
    };
    if (!('url' in a.jwks)) throw new Error(`${authzFile}: jwks.url expected (the portal serves the JWKS)`);
    const jwks = new URL(a.jwks.url);
    expect(jwks.pathname).toBe(`${p.publicPathPrefix}/.well-known/jwks.json`);
    sameListener(jwks, p.listeners.public);
    sameListener(new URL(a.portal.internalUrl), p.listeners.internal);

    // Networks both name agree, and every network a static route prices is watched by the portal.
    for (const [name, network] of Object.entries(a.networks ?? {})) {
      const theirs = p.networks[name];
      expect({ name, chainId: theirs?.chainId, caip2: theirs?.caip2 }).toEqual({
        name,
        chainId: (network as { chainId?: number }).chainId,
        caip2: (network as { caip2?: string }).caip2,
      });
    }
    const priced = new Set(authz.loaded.routes.flatMap((r) => r.request.offers.map((o) => o.network)));
    for (const network of priced)
      expect({ network, watched: p.watchers[network]?.enabled }).toEqual({ network, watched: true });
  });

  it('an example reading an undocumented variable is refused (so the documented env stays complete)', () => {
    expect(() =>
      documentedEnvFor(path.join(REPO_ROOT, 'tests/docs/fixtures/undocumented-env.example.yaml')),
    ).toThrow(/reads TURNPIKE_NOT_DOCUMENTED, which tests\/docs\/config-examples.ts does not document/);
  });
});
