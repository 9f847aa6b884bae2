import type { Logger } from '@turnpike/protocol/service';

/**
 * Cleanup steps of a starting service, run in reverse order of registration by `close()` (once,
 * however often it is called). A failing step is logged and the rest still run.
 */
export interface Closer {
  add(step: () => Promise<void>): void;
  close(): Promise<void>;
}

export function createCloser(logger: Logger): Closer {
  const steps: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  return {
    add(step) {
      steps.push(step);
    },
    close() {
      closing ??= (async () => {
        for (const step of steps.reverse())
          await step().catch((err: unknown) => logger.warn({ err }, 'close step failed'));
      })();
      return closing;
    },
  };
}
