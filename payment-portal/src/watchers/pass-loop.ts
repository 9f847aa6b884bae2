/** What runs a watcher's passes one after another. */
export interface PassLoop {
  /** Starts polling (the first pass at once); a second call does nothing. */
  start(): void;
  /** Stops polling, waits for a pass in flight, then runs `onStopped`. */
  stop(): Promise<void>;
}

export interface PassLoopOptions {
  pass: () => Promise<unknown>;
  intervalMs: number;
  /** A failed pass is logged and the loop goes on: the next pass starts from the same cursor. */
  onError: (err: unknown) => void;
  /** After every pass, with its duration (metrics). */
  onPassDone?: (durationMs: number, ok: boolean) => void;
  /** After the last pass (e.g. give the scan lease up). */
  onStopped?: () => Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` after the previous one ends — never two at once, so a slow RPC
 * stretches the interval instead of piling passes up.
 */
export function createPassLoop(opts: PassLoopOptions): PassLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      const started = performance.now();
      running = opts
        .pass()
        .then(() => opts.onPassDone?.(performance.now() - started, true))
        .catch((err: unknown) => {
          opts.onPassDone?.(performance.now() - started, false);
          opts.onError(err);
        })
        .finally(() => schedule(opts.intervalMs));
    }, delayMs);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await opts.onStopped?.();
    },
  };
}
