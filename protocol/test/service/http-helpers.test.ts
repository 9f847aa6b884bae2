import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import {
  createMetrics,
  healthHandlers,
  metricsHandler,
  type ReadinessReport,
} from '@turnpike/protocol/service';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('metrics', () => {
  it('serves default and custom metrics in Prometheus text format', async () => {
    const registry = createMetrics('turnpike_test_');
    const counter = new Counter({
      name: 'turnpike_test_decisions_total',
      help: 'decisions',
      labelNames: ['reason'],
      registers: [registry],
    });
    counter.inc({ reason: 'payment_required' }, 3);
    const base = await serve(metricsHandler(registry));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('turnpike_test_decisions_total{reason="payment_required"} 3');
    expect(body).toContain('turnpike_test_process_cpu_user_seconds_total');
  });
});

describe('health handlers', () => {
  let report: ReadinessReport | Error | 'hang' = { ok: true, checks: {} };
  const handlers = healthHandlers({
    readyTimeoutMs: 200,
    ready: async () => {
      if (report === 'hang') return new Promise<ReadinessReport>(() => undefined);
      if (report instanceof Error) throw report;
      return report;
    },
  });
  let base = '';
  beforeAll(async () => {
    base = await serve((req, res) =>
      req.url === '/healthz' ? handlers.healthz(req, res) : handlers.readyz(req, res),
    );
  });

  it('healthz is 200 with no-store', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('readyz is 200 when every check passes and 503 with the checks when one fails', async () => {
    report = { ok: true, checks: { database: { ok: true } } };
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, checks: { database: { ok: true } } });

    report = { ok: true, checks: { database: { ok: true }, jwks: { ok: false, detail: 'no keys' } } };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ ok: false, checks: { jwks: { ok: false, detail: 'no keys' } } });
  });

  it('readyz is 503 when the check throws or hangs', async () => {
    report = new Error('pool closed');
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ok: false,
      checks: { ready: { ok: false, detail: 'pool closed' } },
    });
    report = 'hang';
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, checks: { ready: { ok: false } } });
  });
});
