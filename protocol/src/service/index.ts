/**
 * Node plumbing shared by authz-service and payment-portal: configuration, logging, metrics,
 * health endpoints and graceful shutdown.
 */
export {
  ConfigError,
  loadConfig,
  Secret,
  secretSourceSchema,
  internalSecretSchema,
  durationMsSchema,
  parseDurationMs,
} from './config/index.js';
export type { LoadConfigOptions, SecretSource } from './config/index.js';
export { createLogger, REDACT_PATHS, SENSITIVE_HEADERS } from './logger.js';
export { mapLimit } from './map-limit.js';
export type { CreateLoggerOptions, Logger } from './logger.js';
export { requestContext, requestIdFrom } from './request-context.js';
export { createMetrics, metricsHandler } from './metrics.js';
export { healthHandlers, DEFAULT_READY_TIMEOUT_MS } from './health.js';
export type { CheckResult, HealthOptions, ReadinessReport } from './health.js';
export { installGracefulShutdown, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
export type { Closable, GracefulShutdownOptions } from './shutdown.js';
export {
  applyServerTimeouts,
  checkServerTimeouts,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  headersTimeoutMsSchema,
  keepAliveTimeoutMsSchema,
} from './server-timeouts.js';
export type { ServerTimeouts } from './server-timeouts.js';
/**
 * The zod instance these schemas are built with. Services build their config schemas with this
 * `z` so `secretSourceSchema` and `durationMsSchema` nest inside them (the root node_modules holds
 * an older zod that is not compatible).
 */
export { z } from 'zod';
