import type { IncomingHttpHeaders } from 'node:http';
import { requestContext, type Logger } from '@turnpike/protocol/service';
import type { DecisionLogger } from '../../core/types.js';

type LogFn = (...args: unknown[]) => void;

/**
 * A request logger that binds `x-request-id` (or a fresh UUID) only when something is logged:
 * most requests log nothing, and a pino child per request is measurable on the hot path.
 */
export class LazyRequestLog implements DecisionLogger {
  #child: Logger | undefined;
  readonly #base: Logger;
  readonly #headers: IncomingHttpHeaders;

  constructor(base: Logger, headers: IncomingHttpHeaders) {
    this.#base = base;
    this.#headers = headers;
  }

  get logger(): Logger {
    this.#child ??= requestContext(this.#base, this.#headers).log;
    return this.#child;
  }

  isLevelEnabled(level: string): boolean {
    return this.#base.isLevelEnabled(level);
  }

  // Prototype methods, not per-instance closures: one allocation per request.
  error(...args: unknown[]): void {
    (this.logger.error as LogFn)(...args);
  }

  warn(...args: unknown[]): void {
    (this.logger.warn as LogFn)(...args);
  }

  info(...args: unknown[]): void {
    (this.logger.info as LogFn)(...args);
  }

  debug(...args: unknown[]): void {
    if (this.#base.isLevelEnabled('debug')) (this.logger.debug as LogFn)(...args);
  }
}
