import { send } from '../support/http.js';
import { ADMIN_TOKEN, goldClaims, startStack, type TestStack } from '../support/service.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ pages: { '/counted': { delayMs: 100 }, '/p': {} } });
});
afterAll(() => stack.close());

const nginx = (uri: string, headers: Record<string, string> = {}) =>
  send(stack.service.httpPort, {
    path: '/v1/nginx',
    headers: { host: 'shop.example', 'x-original-method': 'GET', 'x-original-uri': uri, ...headers },
  });
const purgeRaw = (body: string, token = ADMIN_TOKEN) =>
  send(stack.service.httpPort, {
    method: 'POST',
    path: '/admin/purge',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
const purge = (body: unknown, token = ADMIN_TOKEN) => purgeRaw(JSON.stringify(body), token);

describe('operations', () => {
  it('one probe for 20 concurrent misses on the same path (counting upstream)', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => nginx('/counted?i=1')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(stack.upstream.count('HEAD', '/counted')).toBe(1);
  });

  it('admin purge: refused without the bearer secret; drops a path so the next request probes again', async () => {
    await nginx('/p');
    await nginx('/p');
    expect(stack.upstream.count('HEAD', '/p')).toBe(1);
    expect((await purge({ all: true }, 'wrong')).status).toBe(401);
    const r = await purge({ host: 'shop.example', path: '/p' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ purged: 1 });
    await nginx('/p');
    expect(stack.upstream.count('HEAD', '/p')).toBe(2);
    expect((await purge({ bogus: 1 })).status).toBe(400);
    expect((await purge({ path: '/a%2fb' })).status).toBe(400);
    const notJson = await purgeRaw('{"all": tru');
    expect([notJson.status, JSON.parse(notJson.body)]).toEqual([400, { error: 'invalid_json' }]);
    const tooLarge = await purgeRaw(JSON.stringify({ path: `/${'x'.repeat(5000)}` })).catch(
      (err: unknown) => ({ status: 'reset', body: String(err) }),
    );
    // Over 4 KiB: 413, or the connection closed on the sender before it could read the answer.
    expect([413, 'reset']).toContain(tooLarge.status);
    expect(JSON.parse((await purge({ all: true })).body).purged).toBeGreaterThan(0);
  });

  it('/healthz and /readyz (keys from a file are loaded at once)', async () => {
    expect((await send(stack.service.httpPort, { path: '/healthz' })).status).toBe(200);
    const ready = await send(stack.service.httpPort, { path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body).checks.keys.ok).toBe(true);
  });

  it('/metrics exposes decisions by outcome/transport/reason, probe cache results and the latency histogram', async () => {
    const token = await stack.signer.sign(goldClaims());
    await nginx('/free', { authorization: `Bearer ${token}` });
    const m = (await send(stack.service.httpPort, { path: '/metrics' })).body;
    expect(m).toMatch(/turnpike_authz_decisions_total\{outcome="allow",transport="nginx",reason=""\} \d+/);
    expect(m).toMatch(/turnpike_authz_probe_cache_total\{result="hit"\} \d+/);
    expect(m).toMatch(/turnpike_authz_probe_cache_total\{result="miss"\} \d+/);
    expect(m).toMatch(/turnpike_authz_decision_seconds_bucket\{le="0.001",transport="nginx"\} \d+/);
    expect(m).toContain('turnpike_authz_jwks_refresh_total');
  });

  it('unknown routes are 404; the nginx route refuses other methods', async () => {
    expect((await send(stack.service.httpPort, { path: '/nope' })).status).toBe(404);
    expect((await send(stack.service.httpPort, { method: 'POST', path: '/v1/nginx' })).status).toBe(405);
  });
});

describe('readiness with a remote JWKS', () => {
  it('/readyz is 503 while the JWKS URL cannot be fetched', async () => {
    const down = await startStack({
      config: { jwks: { url: 'http://127.0.0.1:1/_402/.well-known/jwks.json', timeoutMs: 200 } },
    });
    try {
      const ready = await send(down.service.httpPort, { path: '/readyz' });
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body).checks.keys.ok).toBe(false);
      expect((await send(down.service.httpPort, { path: '/healthz' })).status).toBe(200);
    } finally {
      await down.close();
    }
  });
});
