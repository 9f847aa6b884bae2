export { AUTHZ_DEFAULTS, AUTHZ_ENV_PREFIX } from './defaults.js';
export { authzConfigSchema, type AuthzConfig, type AuthzConfigInput, type RouteConfig } from './schema.js';
export {
  loadAuthzConfig,
  resolveAuthzConfig,
  type LoadAuthzConfigOptions,
  type LoadedAuthzConfig,
} from './load.js';
