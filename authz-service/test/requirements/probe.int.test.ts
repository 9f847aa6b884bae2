import { createNetworkRegistry, encodePaymentRequest, REASONS } from '@turnpike/protocol';
import { ProbeError, probeUpstream, cacheSecondsOf } from '../../src/requirements/probe.js';
import { BASE_USDC_REQUEST, encodeRequest, startUpstream, type TestUpstream } from '../support/upstream.js';

const registry = createNetworkRegistry();
const opts = { registry, timeoutMs: 300, maxBodyBytes: 256 * 1024, metaFromHtml: true };
const declared = encodeRequest(BASE_USDC_REQUEST);

let up: TestUpstream;
beforeAll(async () => {
  up = await startUpstream({
    '/free': {},
    '/priced': { headers: { 'x-402-required': 'true', 'x-402-request': declared, 'x-402-cache': '120' } },
    '/malformed': { headers: { 'x-402-required': 'true', 'x-402-request': 'not-base64!!' } },
    '/missing': { headers: { 'x-402-required': 'true' } },
    '/meta': {
      headStatus: 405,
      html: `<html><head><meta name="x-402-request" content="${declared}"></head><body>hi</body></html>`,
    },
    '/meta-head-ok': {
      html: `<html><head><meta name="x-402-request" content="${declared}"></head><body>hi</body></html>`,
    },
    '/meta-free': { headStatus: 501, html: '<html><head><title>free</title></head></html>' },
    '/huge': {
      headStatus: 405,
      html: `<html><head>${'<!-- pad -->'.repeat(60_000)}<meta name="x-402-request" content="${declared}"></head></html>`,
    },
    '/hang': { hang: true },
    '/error': { status: 503 },
    '/max-age': { headers: { 'cache-control': 'public, max-age=42' } },
  });
});
afterAll(() => up.close());

describe('upstream probe (real in-process upstream)', () => {
  it('a path without declaration is free', async () => {
    expect(await probeUpstream(up.url, 'shop.example', '/free', opts)).toEqual({ kind: 'free' });
  });

  it('reads x-402-required / x-402-request and the x-402-cache TTL, identifying itself', async () => {
    const answer = await probeUpstream(up.url, 'shop.example', '/priced', opts);
    expect(answer.kind).toBe('priced');
    if (answer.kind !== 'priced') return;
    expect(answer.ttlSeconds).toBe(120);
    expect(answer.request.claims).toEqual({ plan: 'gold' });
    expect(encodePaymentRequest(answer.request)).toBeTruthy();
    const seen = up.seen.find((s) => s.path === '/priced');
    expect(seen?.method).toBe('HEAD');
    expect(seen?.headers['x-402-probe']).toBe('turnpike');
    expect(seen?.headers['user-agent']).toMatch(/^turnpike-probe\//);
    expect(seen?.headers.host).toBe('shop.example');
  });

  it('a malformed declaration is invalid with its reason (never free)', async () => {
    expect(await probeUpstream(up.url, 'h', '/malformed', opts)).toEqual({
      kind: 'invalid',
      reason: REASONS.REQUEST_NOT_BASE64,
    });
    expect(await probeUpstream(up.url, 'h', '/missing', opts)).toEqual({
      kind: 'invalid',
      reason: REASONS.REQUEST_MISSING,
    });
  });

  it('on 405 falls back to a GET and reads the <meta> tag', async () => {
    const answer = await probeUpstream(up.url, 'h', '/meta', opts);
    expect(answer.kind).toBe('priced');
    expect(up.count('GET', '/meta')).toBe(1);
  });

  it('reads <meta> from an HTML page whose HEAD declared nothing', async () => {
    expect((await probeUpstream(up.url, 'h', '/meta-head-ok', opts)).kind).toBe('priced');
  });

  it('on 501 with no <meta> the page is free', async () => {
    expect(await probeUpstream(up.url, 'h', '/meta-free', opts)).toEqual({ kind: 'free' });
  });

  it('reads at most maxBodyBytes of a GET (a <meta> past the bound is not seen)', async () => {
    expect(await probeUpstream(up.url, 'h', '/huge', { ...opts, maxBodyBytes: 4096 })).toEqual({
      kind: 'free',
    });
  });

  it('a hung upstream fails after the timeout', async () => {
    await expect(probeUpstream(up.url, 'h', '/hang', opts)).rejects.toBeInstanceOf(ProbeError);
  });

  it('a 5xx is a failure, not a free pass', async () => {
    await expect(probeUpstream(up.url, 'h', '/error', opts)).rejects.toBeInstanceOf(ProbeError);
  });

  it('an unreachable upstream fails', async () => {
    await expect(probeUpstream('http://127.0.0.1:1', 'h', '/x', opts)).rejects.toBeInstanceOf(ProbeError);
  });

  it('takes Cache-Control max-age as the TTL', async () => {
    expect(await probeUpstream(up.url, 'h', '/max-age', opts)).toEqual({ kind: 'free', ttlSeconds: 42 });
    expect(cacheSecondsOf({ 'cache-control': 'no-store' })).toBe(0);
    expect(cacheSecondsOf({ 'x-402-cache': '7', 'cache-control': 'max-age=99' })).toBe(7);
    expect(cacheSecondsOf({ 'x-402-cache': 'soon' })).toBeUndefined();
  });
});
