export { ConfigError } from './errors.js';
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { internalSecretSchema, Secret, secretSourceSchema, type SecretSource } from './secret.js';
export { durationMsSchema, parseDurationMs } from './duration.js';
