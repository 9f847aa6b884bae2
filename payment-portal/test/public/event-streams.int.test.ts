// The pay page's live status stream (SSE) is capped per invoice and per client address: a stranger
// cannot hold hundreds of open streams (and their share of the hub's polling) on one replica.
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

const PER_INVOICE = 3;
const PER_CLIENT = 4;

let chain: ChainFixture;
let p: PortalFixture;
const open = new Set<AbortController>();

beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, {
    extra: { eventStreams: { maxPerInvoice: PER_INVOICE, maxPerClient: PER_CLIENT } },
  });
});
afterEach(() => {
  for (const c of open) c.abort();
  open.clear();
});
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

async function newInvoice(): Promise<string> {
  const ref = p.payLink({
    host: 'shop.test',
    scheme: 'https',
    resource: '/premium',
    originalUri: '/premium',
    request: p.wire(),
  });
  const res = await fetch(`${p.portal.publicUrl}/_402/pay?ref=${ref}`, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('location')!.split('/').at(-1)!;
}

/** Opens the stream as `client` (X-Forwarded-For from the trusted loopback gateway). */
async function stream(
  id: string,
  client: string,
): Promise<{ status: number; retryAfter: string | null; reason?: string; controller: AbortController }> {
  const controller = new AbortController();
  const res = await fetch(`${p.portal.publicUrl}/_402/invoices/${id}/events`, {
    headers: { accept: 'text/event-stream', 'x-forwarded-for': client },
    signal: controller.signal,
  });
  if (res.status !== 200) {
    const body = (await res.json()) as { reason: string };
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      reason: body.reason,
      controller,
    };
  }
  open.add(controller);
  // The first event arrives at once: the stream is really open.
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first).toContain('event: state');
  return { status: 200, retryAfter: null, controller };
}

it(`refuses stream ${PER_INVOICE + 1} on one invoice with 429 rate_limited and Retry-After, and frees the slot when a client leaves`, async () => {
  const id = await newInvoice();
  const streams = [];
  for (let i = 0; i < PER_INVOICE; i++) {
    const s = await stream(id, `203.0.113.${i + 1}`);
    expect(s.status).toBe(200);
    streams.push(s);
  }
  const refused = await stream(id, '203.0.113.99');
  expect(refused).toMatchObject({ status: 429, reason: 'rate_limited' });
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);

  // One viewer leaves: its slot is freed (the server notices the closed connection).
  streams[0]!.controller.abort();
  open.delete(streams[0]!.controller);
  const deadline = Date.now() + 5_000;
  let again = await stream(id, '203.0.113.99');
  while (again.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    again = await stream(id, '203.0.113.99');
  }
  expect(again.status).toBe(200);
});

it(`refuses stream ${PER_CLIENT + 1} from one client address across invoices`, async () => {
  const ids = await Promise.all(Array.from({ length: PER_CLIENT + 1 }, () => newInvoice()));
  for (const id of ids.slice(0, PER_CLIENT)) expect((await stream(id, '198.51.100.20')).status).toBe(200);
  const refused = await stream(ids[PER_CLIENT]!, '198.51.100.20');
  expect(refused).toMatchObject({ status: 429, reason: 'rate_limited' });
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  // Another address may still watch that invoice.
  expect((await stream(ids[PER_CLIENT]!, '198.51.100.21')).status).toBe(200);
});

it('an unknown invoice takes no slot', async () => {
  for (let i = 0; i < PER_CLIENT + 2; i++) {
    const res = await fetch(`${p.portal.publicUrl}/_402/invoices/AAAAAAAAAAAAAAAAAAAAAA/events`, {
      headers: { accept: 'text/event-stream', 'x-forwarded-for': '192.0.2.5' },
    });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  }
  const id = await newInvoice();
  expect((await stream(id, '192.0.2.5')).status).toBe(200);
});
