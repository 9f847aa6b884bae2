import type { PayPageView } from '../pay-page/view.js';

type Listener = (view: PayPageView) => void;

/**
 * Fan-out of invoice state to Server-Sent Event streams. All streams of one invoice share one
 * poll: every `intervalMs` the hub loads each watched invoice once and calls its listeners only
 * when the state changed. Works the same on PGlite and PostgreSQL (no LISTEN/NOTIFY), and sees
 * changes made by any replica. `poke(ids)` checks at once (the local watcher calls it).
 */
export interface InvoiceHub {
  subscribe(id: string, listener: Listener): () => void;
  poke(ids: readonly string[]): void;
  close(): void;
}

export function createInvoiceHub(
  load: (id: string) => Promise<PayPageView | null>,
  intervalMs = 1_000,
): InvoiceHub {
  const entries = new Map<string, { listeners: Set<Listener>; last: string | undefined }>();
  let busy = false;

  async function check(ids: Iterable<string>): Promise<void> {
    for (const id of ids) {
      const entry = entries.get(id);
      if (!entry) continue;
      const view = await load(id).catch(() => null);
      if (!view) continue;
      const text = JSON.stringify(view);
      if (text === entry.last) continue;
      entry.last = text;
      for (const l of entry.listeners) l(view);
    }
  }

  const timer = setInterval(() => {
    if (busy || entries.size === 0) return;
    busy = true;
    check([...entries.keys()]).finally(() => {
      busy = false;
    });
  }, intervalMs);
  timer.unref();

  return {
    subscribe(id, listener) {
      let entry = entries.get(id);
      if (!entry) {
        entry = { listeners: new Set(), last: undefined };
        entries.set(id, entry);
      }
      entry.listeners.add(listener);
      return () => {
        entry.listeners.delete(listener);
        if (entry.listeners.size === 0) entries.delete(id);
      };
    },
    poke(ids) {
      void check(ids.filter((id) => entries.has(id)));
    },
    close() {
      clearInterval(timer);
      entries.clear();
    },
  };
}
