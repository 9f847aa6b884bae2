/**
 * Caps on the pay page's live status streams (SSE), kept in this process: per invoice and per
 * client address. Each open stream holds a socket and a share of the hub's polling, so without a
 * cap one client could open hundreds on one replica. With several replicas each enforces its own
 * caps (a client could hold up to replicas × cap); that bounds the cost per process, which is
 * what the cap is for.
 */
export interface StreamLimiter {
  /**
   * Takes a slot for a stream of `invoiceId` opened by `client`, or returns undefined when either
   * cap is reached. The returned release frees it; calling it again does nothing.
   */
  acquire(invoiceId: string, client: string): (() => void) | undefined;
  /** Streams open now. */
  readonly open: number;
}

export interface StreamLimits {
  maxPerInvoice: number;
  maxPerClient: number;
}

export function createStreamLimiter(limits: StreamLimits): StreamLimiter {
  const perInvoice = new Map<string, number>();
  const perClient = new Map<string, number>();
  let open = 0;
  const decrement = (counts: Map<string, number>, key: string): void => {
    const n = (counts.get(key) ?? 1) - 1;
    if (n <= 0) counts.delete(key);
    else counts.set(key, n);
  };
  return {
    acquire(invoiceId, client) {
      const forInvoice = perInvoice.get(invoiceId) ?? 0;
      const forClient = perClient.get(client) ?? 0;
      if (forInvoice >= limits.maxPerInvoice || forClient >= limits.maxPerClient) return undefined;
      perInvoice.set(invoiceId, forInvoice + 1);
      perClient.set(client, forClient + 1);
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        decrement(perInvoice, invoiceId);
        decrement(perClient, client);
        open--;
      };
    },
    get open() {
      return open;
    },
  };
}
