/**
 * `POST /v1/usage` at its boundary (docs/credits.md, "Usage"): off without `usage.token`; with it,
 * refused without the secret, and every malformed report refused before anything is debited. The
 * debit itself (through the real portal and PostgreSQL) is in tests/pricing/usage-express.test.ts.
 */
import { REASONS } from '@turnpike/protocol';
import { send } from '../support/http.js';
import { PORTAL_TOKEN } from '../support/portal-stand-in.js';
import { startStack, type TestStack } from '../support/service.js';

const report = (port: number, body: unknown, authorization = `Bearer ${PORTAL_TOKEN}`) =>
  send(port, {
    method: 'POST',
    path: '/v1/usage',
    headers: { authorization, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const valid = {
  tokenId: 'jti-1',
  method: 'GET',
  host: 'shop.example',
  uri: '/premium/article',
  reported: '5',
};

describe('POST /v1/usage without usage.token', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('answers 404: no usage is billed without a configured secret', async () => {
    expect((await report(stack.service.httpPort, valid)).status).toBe(404);
  });
});

describe('POST /v1/usage with usage.token', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The stand-in's internal secret doubles as the usage secret here (both come from env).
    stack = await startStack({ config: { usage: { token: { fromEnv: 'PORTAL_TOKEN' } } } });
  });
  afterAll(() => stack.close());

  it.each([
    ['no Authorization', ''],
    ['a wrong secret', 'Bearer not-the-secret'],
    ['the secret in another scheme', `Basic ${PORTAL_TOKEN}`],
  ])('refuses %s with 401 usage_report_unauthorized', async (_name, authorization) => {
    const res = await report(stack.service.httpPort, valid, authorization);
    expect([res.status, res.headers['x-402-reason']]).toEqual([401, REASONS.USAGE_REPORT_UNAUTHORIZED]);
  });

  it('answers 405 to anything but POST', async () => {
    const res = await send(stack.service.httpPort, { path: '/v1/usage' });
    expect(res.status).toBe(405);
  });

  it.each<[string, unknown]>([
    ['not JSON', '{"tokenId":'],
    ['a missing field', { ...valid, reported: undefined }],
    ['an unknown field', { ...valid, refund: '5' }],
    ['a negative figure', { ...valid, reported: '-1' }],
    ['a decimal figure', { ...valid, reported: '5.0' }],
    ['a figure with a sign', { ...valid, reported: '+5' }],
    ['a figure above 10^18', { ...valid, reported: '1000000000000000001' }],
    ['a number instead of a string', { ...valid, reported: 5 }],
    ['a lower-case method', { ...valid, method: 'get' }],
    ['an absolute-form target', { ...valid, uri: 'http://shop.example/premium' }],
    ['a target that escapes the root', { ...valid, uri: '/premium/../../etc' }],
  ])('refuses %s with 400 usage_report_invalid', async (_name, body) => {
    const res = await report(stack.service.httpPort, body);
    expect([res.status, res.headers['x-402-reason']]).toEqual([400, REASONS.USAGE_REPORT_INVALID]);
  });

  it('refuses a body over 16 KiB (413) before reading it all', async () => {
    const res = await report(stack.service.httpPort, { ...valid, tokenId: 'x'.repeat(20_000) });
    expect([res.status, res.headers['x-402-reason']]).toEqual([413, REASONS.USAGE_REPORT_INVALID]);
  });

  it('a report for a resource that does not declare usage (a pass) is 409 usage_not_metered', async () => {
    const res = await report(stack.service.httpPort, valid);
    expect([res.status, res.headers['x-402-reason']]).toEqual([409, REASONS.USAGE_NOT_METERED]);
  });

  it('counts each report by outcome', async () => {
    const metrics = await send(stack.service.httpPort, { path: '/metrics' });
    expect(metrics.body).toMatch(/turnpike_authz_usage_reports_total\{outcome="unauthorized"\} 3\b/);
    expect(metrics.body).toMatch(/turnpike_authz_usage_reports_total\{outcome="not_metered"\} 1\b/);
  });
});
