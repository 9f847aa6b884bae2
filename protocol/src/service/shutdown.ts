import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { Logger } from 'pino';

/**
 * Anything that stops accepting work on `close(cb)`: http/https/net servers and similar. A gRPC
 * server is passed as `{ close: (cb) => server.tryShutdown((err) => cb?.(err)) }`.
 */
export interface Closable {
  close(cb?: (err?: Error) => void): unknown;
}

export interface GracefulShutdownOptions {
  servers: Array<Closable | NetServer>;
  /** Runs after the servers have closed: close pools, stop watchers. */
  onClose?: () => Promise<void>;
  logger: Logger;
  /** How long in-flight requests may take before their connections are cut. Default 10000. */
  timeoutMs?: number;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Exit the process after a signal-triggered shutdown (default true); tests may pass false. */
  exitProcess?: boolean;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const IDLE_SWEEP_MS = 100;

function isHttpServer(server: unknown): server is HttpServer {
  return (
    typeof (server as HttpServer).closeIdleConnections === 'function' &&
    typeof (server as HttpServer).closeAllConnections === 'function'
  );
}

function closeServer(server: Closable | NetServer, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let sweep: NodeJS.Timeout | undefined;
    let force: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    };
    try {
      // The callback also gets ERR_SERVER_NOT_RUNNING when it was never listening; either way it is closed.
      server.close(() => done());
    } catch {
      done();
      return;
    }
    if (isHttpServer(server)) {
      // Keep-alive connections that finish their response become idle; close them as they do.
      server.closeIdleConnections();
      sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    } else {
      force = setTimeout(done, timeoutMs);
    }
  });
}

/**
 * Installs signal handlers that shut the service down gracefully: stop accepting connections,
 * let in-flight requests finish (idle keep-alive connections are closed at once, the rest are cut
 * after `timeoutMs`), run `onClose`, then exit (0, or 1 when something failed). A second signal
 * exits at once with 1. Returns the shutdown function itself (idempotent; does not exit).
 */
export function installGracefulShutdown(opts: GracefulShutdownOptions): () => Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<void> | undefined;

  const shutdown = (): Promise<void> => {
    running ??= (async () => {
      await Promise.all(opts.servers.map((s) => closeServer(s, timeoutMs)));
      opts.logger.info('servers closed');
      if (opts.onClose) await opts.onClose();
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      opts.logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    opts.logger.info({ signal, timeoutMs }, 'shutting down');
    shutdown().then(
      () => {
        opts.logger.info('shutdown complete');
        if (opts.exitProcess !== false) opts.logger.flush(() => process.exit(0));
      },
      (err: unknown) => {
        opts.logger.error({ err }, 'shutdown failed');
        if (opts.exitProcess !== false) opts.logger.flush(() => process.exit(1));
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return shutdown;
}
