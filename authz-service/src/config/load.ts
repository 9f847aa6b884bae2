import { dirname, isAbsolute, resolve } from 'node:path';
import {
  createNetworkRegistry,
  isProtocolError,
  paymentRequestFromJson,
  type NetworkRegistry,
} from '@turnpike/protocol';
import { ConfigError, loadConfig } from '@turnpike/protocol/service';
import type { StaticRoute } from '../requirements/static-routes.js';
import { AUTHZ_ENV_PREFIX } from './defaults.js';
import { authzConfigSchema, type AuthzConfig } from './schema.js';

/** The configuration the service runs on: parsed config, network registry and parsed routes. */
export interface LoadedAuthzConfig {
  config: AuthzConfig;
  registry: NetworkRegistry;
  routes: StaticRoute[];
  /** Routes whose request gives `exp` as a Go duration in nanoseconds (deprecated; logged at start). */
  goDurationExps: Array<{ route: string; exp: number; tokenLifetimeMs: number }>;
}

export interface LoadAuthzConfigOptions {
  /** YAML or JSON file. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values under the file (tests pass a whole config here). */
  base?: object;
}

/**
 * Loads and validates the authorizer's configuration: file, then `TURNPIKE_AUTHZ__…`
 * environment overrides; then every static route's payment request is parsed against the network
 * registry. Throws one ConfigError naming every problem.
 */
export async function loadAuthzConfig(opts: LoadAuthzConfigOptions = {}): Promise<LoadedAuthzConfig> {
  const config = await loadConfig({
    schema: authzConfigSchema,
    file: opts.file,
    envPrefix: AUTHZ_ENV_PREFIX,
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.base === undefined ? {} : { defaults: opts.base }),
  });
  // Like secret files, a relative JWKS file is read from the config file's directory.
  if ('file' in config.jwks && !isAbsolute(config.jwks.file)) {
    config.jwks = {
      file: resolve(opts.file === undefined ? process.cwd() : dirname(resolve(opts.file)), config.jwks.file),
    };
  }
  return resolveAuthzConfig(config);
}

/** Builds the registry and parses route requests of an already schema-valid config. */
export function resolveAuthzConfig(config: AuthzConfig): LoadedAuthzConfig {
  const problems: string[] = [];
  const registry = createNetworkRegistry(config.networks ?? {});
  const routes: StaticRoute[] = [];
  const goDurationExps: LoadedAuthzConfig['goDurationExps'] = [];
  const names = new Set<string>();
  config.routes.forEach((route, i) => {
    if (route.name !== undefined) {
      if (names.has(route.name)) problems.push(`routes.${i}.name: duplicate route name "${route.name}"`);
      names.add(route.name);
    }
    try {
      routes.push({
        name: route.name,
        hosts: route.hosts,
        paths: route.paths,
        methods: route.methods,
        request: paymentRequestFromJson(route.request, registry, {
          defaultTokenLifetimeMs: config.declarations.defaultTokenLifetimeMs,
          onGoDurationExp: (n) =>
            goDurationExps.push({
              route: route.name ?? `routes.${i}`,
              exp: n.exp,
              tokenLifetimeMs: n.lifetimeMs,
            }),
        }),
      });
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      problems.push(`routes.${i}.request: ${err.code}${err.detail === undefined ? '' : ` (${err.detail})`}`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, registry, routes, goDurationExps };
}
