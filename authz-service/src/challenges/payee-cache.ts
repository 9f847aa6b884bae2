import type { Logger } from '@turnpike/protocol/service';
import type { PayeeResponse, PortalClient } from '../portal/client.js';

/**
 * The portal's payee description (networks, wallets, the x402 address, challenge lifetime), kept
 * in memory: fetched at start and refreshed on a timer, so a 402 never waits for it. The last good
 * copy is kept while the portal is down.
 */
export interface PayeeCache {
  current(): PayeeResponse | undefined;
  /** Resolves with a payee once one has been fetched (or rejects with the first failure). */
  ready(): Promise<PayeeResponse>;
  stop(): void;
}

export function createPayeeCache(opts: {
  portal: Pick<PortalClient, 'payee'>;
  refreshMs: number;
  logger?: Logger;
}): PayeeCache {
  let current: PayeeResponse | undefined;
  let inflight: Promise<PayeeResponse> | undefined;
  const refresh = (): Promise<PayeeResponse> => {
    inflight ??= opts.portal
      .payee()
      .then((payee) => (current = payee))
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
  const background = () =>
    void refresh().catch((err: unknown) =>
      opts.logger?.warn(
        { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
        'portal payee refresh failed',
      ),
    );
  background();
  // Until a first copy arrives, try every few seconds rather than waiting a whole refresh period.
  const retry = setInterval(() => current === undefined && background(), 2_000);
  const timer = setInterval(background, opts.refreshMs);
  retry.unref();
  timer.unref();
  return {
    current: () => current,
    ready: () => (current === undefined ? refresh() : Promise.resolve(current)),
    stop() {
      clearInterval(retry);
      clearInterval(timer);
    },
  };
}
