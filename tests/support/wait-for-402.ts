/** Polls `url` until it answers `status`, or throws after `timeoutMs`. */
async function waitForStatus(
  url: string,
  status: number,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    const res = await fetch(url, { headers }).catch(() => undefined);
    await res?.body?.cancel();
    last = res?.status ?? 0;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} answered ${last}, not ${status}, for ${timeoutMs} ms`);
}

/**
 * Waits until a gateway answers an API 402 for `url`: the authorizer has finished its warm-up
 * (the portal's payee and a first block of challenge addresses) and the whole path works. Until
 * then an API client gets 503 `portal_unavailable`, which is right for a replica starting up but
 * not what a payment suite means to test. A 402 writes nothing.
 */
export function waitFor402(url: string, timeoutMs = 20_000): Promise<void> {
  return waitForStatus(url, 402, { accept: 'application/json' }, timeoutMs);
}

/** Polls a `/readyz` until it answers 200 (20 s at most). */
export function waitForReady(url: string, timeoutMs = 20_000): Promise<void> {
  return waitForStatus(url, 200, {}, timeoutMs);
}
