import { createNetworkRegistry, paymentRequestFromJson, REASONS } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { createDecider } from '../../src/core/decide.js';
import type { NeutralRequest } from '../../src/core/types.js';
import type { RequirementResolver } from '../../src/requirements/resolve.js';
import type { TokenChecker } from '../../src/tokens/check.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

const log = createLogger({ name: 'test', level: 'silent' });
const request = paymentRequestFromJson(BASE_USDC_REQUEST, createNetworkRegistry());
const req: NeutralRequest = {
  method: 'GET',
  scheme: 'https',
  host: 'shop.example',
  target: '/premium/./article?x=1',
  headers: {},
};

const priced: RequirementResolver = {
  resolve: async () => ({ kind: 'priced', request, source: 'upstream' }),
};
const free: RequirementResolver = { resolve: async () => ({ kind: 'free' }) };
const noToken: TokenChecker = { check: async () => ({ ok: false, reason: REASONS.TOKEN_MISSING }) };
const identity = { payer: '0xp', tokenId: 'j', claims: { plan: 'gold' }, scope: '/premium' };
const okToken: TokenChecker = { check: async () => ({ ok: true, identity }) };

describe('createDecider', () => {
  it('free resource: allow with empty identity, without looking at tokens', async () => {
    let checked = false;
    const decide = createDecider({
      requirements: free,
      tokens: { check: async () => ((checked = true), { ok: false, reason: REASONS.TOKEN_MISSING }) },
      timeoutMs: 100,
    });
    expect(await decide(req, log)).toEqual({
      kind: 'allow',
      identity: { payer: '', tokenId: '', claims: {}, scope: '' },
    });
    expect(checked).toBe(false);
  });

  it('priced without a valid token: payment_required with the resolved requirement (normalised path, query kept)', async () => {
    const decide = createDecider({ requirements: priced, tokens: noToken, timeoutMs: 100 });
    const d = await decide(req, log);
    expect(d).toMatchObject({
      kind: 'payment_required',
      reason: REASONS.TOKEN_MISSING,
      requirement: {
        host: 'shop.example',
        scheme: 'https',
        path: '/premium/article',
        query: 'x=1',
        originalUri: '/premium/article?x=1',
        source: 'upstream',
      },
    });
  });

  it('priced with a valid token: allow with its identity', async () => {
    const decide = createDecider({ requirements: priced, tokens: okToken, timeoutMs: 100 });
    expect(await decide(req, log)).toEqual({ kind: 'allow', identity });
  });

  it('an unparsable target is forbidden with its reason', async () => {
    const decide = createDecider({ requirements: free, tokens: okToken, timeoutMs: 100 });
    expect(await decide({ ...req, target: '/a/%2e%2e/%2e%2e/x' }, log)).toEqual({
      kind: 'forbidden',
      reason: REASONS.PATH_DOT_SEGMENT_ESCAPE,
    });
  });

  it('fails closed when anything throws', async () => {
    const boom: RequirementResolver = { resolve: async () => Promise.reject(new Error('boom')) };
    const decide = createDecider({ requirements: boom, tokens: okToken, timeoutMs: 100 });
    expect(await decide(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
    const tokenBoom: TokenChecker = { check: () => Promise.reject(new TypeError('bad')) };
    expect(
      await createDecider({ requirements: priced, tokens: tokenBoom, timeoutMs: 100 })(req, log),
    ).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
  });

  it('fails closed when the decision takes too long', async () => {
    const hang: RequirementResolver = { resolve: () => new Promise(() => undefined) };
    const decide = createDecider({ requirements: hang, tokens: okToken, timeoutMs: 20 });
    expect(await decide(req, log)).toEqual({ kind: 'unavailable', reason: 'decision_timeout' });
  });

  it('when the keys are unavailable, answers unavailable instead of asking a token holder to pay', async () => {
    const noKeys: TokenChecker = {
      check: async () => ({ ok: false, reason: REASONS.KEYS_UNAVAILABLE, unavailable: true }),
    };
    expect(await createDecider({ requirements: priced, tokens: noKeys, timeoutMs: 100 })(req, log)).toEqual({
      kind: 'unavailable',
      reason: REASONS.KEYS_UNAVAILABLE,
    });
  });
});

describe('createDecider hot path (everything cached)', () => {
  const failAsync = { resolve: () => Promise.reject(new Error('the slow path must not run')) };
  it('decides synchronously from resolveCached/checkCached without touching the async path', async () => {
    const decide = createDecider({
      requirements: {
        ...failAsync,
        resolveCached: () => ({ kind: 'priced', request, source: 'route', routeName: 'r' }),
      },
      tokens: { check: () => Promise.reject(new Error('slow')), checkCached: () => ({ ok: true, identity }) },
      timeoutMs: 100,
    });
    expect(await decide(req, log)).toEqual({ kind: 'allow', identity });
    const deny = createDecider({
      requirements: { ...failAsync, resolveCached: () => ({ kind: 'priced', request, source: 'route' }) },
      tokens: {
        check: () => Promise.reject(new Error('slow')),
        checkCached: () => ({ ok: false, reason: REASONS.TOKEN_EXPIRED }),
      },
      timeoutMs: 100,
    });
    expect(await deny(req, log)).toMatchObject({
      kind: 'payment_required',
      reason: REASONS.TOKEN_EXPIRED,
      requirement: { originalUri: '/premium/article?x=1' },
    });
  });

  it('falls back to the async path on a cache miss', async () => {
    const decide = createDecider({
      requirements: { ...priced, resolveCached: () => undefined },
      tokens: okToken,
      timeoutMs: 100,
    });
    expect(await decide(req, log)).toEqual({ kind: 'allow', identity });
  });

  it('fails closed when the synchronous path throws', async () => {
    const decide = createDecider({
      requirements: {
        ...priced,
        resolveCached: () => {
          throw new Error('boom');
        },
      },
      tokens: okToken,
      timeoutMs: 100,
    });
    expect(await decide(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
  });

  it('a request carrying a payment proof is never decided from caches', async () => {
    let redeemed = 0;
    const decide = createDecider({
      requirements: { ...priced, resolveCached: () => ({ kind: 'priced', request, source: 'upstream' }) },
      tokens: { ...noToken, checkCached: () => ({ ok: false, reason: REASONS.TOKEN_MISSING }) },
      timeoutMs: 100,
      proofs: {
        registry: createNetworkRegistry(),
        redeemer: { timeoutMs: 1000, redeem: async () => ((redeemed += 1), { kind: 'allow', identity }) },
      },
    });
    const withProof = {
      ...req,
      headers: { 'x-payment-chain': 'base', 'x-payment-tx': `0x${'ab'.repeat(32)}` },
    };
    expect(await decide(withProof, log)).toEqual({ kind: 'allow', identity });
    expect(redeemed).toBe(1);
  });

  it('a slow redemption gets its own (longer) time budget', async () => {
    const decide = createDecider({
      requirements: priced,
      tokens: noToken,
      timeoutMs: 20,
      proofs: {
        registry: createNetworkRegistry(),
        redeemer: {
          timeoutMs: 500,
          redeem: () => new Promise((r) => setTimeout(() => r({ kind: 'allow', identity }), 60)),
        },
      },
    });
    const withProof = {
      ...req,
      headers: { 'x-payment-chain': 'base', 'x-payment-tx': `0x${'ab'.repeat(32)}` },
    };
    expect(await decide(withProof, log)).toEqual({ kind: 'allow', identity });
  });

  it('decideCached answers synchronously from caches, undefined on a miss, unavailable on a throw', () => {
    const cachedDecider = createDecider({
      requirements: { ...priced, resolveCached: () => ({ kind: 'free' }) },
      tokens: okToken,
      timeoutMs: 100,
    });
    expect(cachedDecider.decideCached(req, log)).toEqual({
      kind: 'allow',
      identity: { payer: '', tokenId: '', claims: {}, scope: '' },
    });
    const miss = createDecider({
      requirements: { ...priced, resolveCached: () => undefined },
      tokens: okToken,
      timeoutMs: 100,
    });
    expect(miss.decideCached(req, log)).toBeUndefined();
    const boom = createDecider({
      requirements: {
        ...priced,
        resolveCached: () => {
          throw new Error('boom');
        },
      },
      tokens: okToken,
      timeoutMs: 100,
    });
    expect(boom.decideCached(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
  });

  it('after a decideCached miss, decide resumes: the cached requirement is neither looked up nor resolved again', async () => {
    const calls = { resolveCached: 0, resolve: 0, check: 0 };
    const decider = createDecider({
      requirements: {
        resolve: async () => ((calls.resolve += 1), { kind: 'priced', request, source: 'upstream' }),
        resolveCached: () => ((calls.resolveCached += 1), { kind: 'priced', request, source: 'upstream' }),
      },
      tokens: {
        check: async () => ((calls.check += 1), { ok: true, identity }),
        checkCached: () => undefined,
      },
      timeoutMs: 100,
    });
    const fresh = { ...req };
    expect(decider.decideCached(fresh, log)).toBeUndefined();
    expect(await decider(fresh, log)).toEqual({ kind: 'allow', identity });
    expect(calls).toEqual({ resolveCached: 1, resolve: 0, check: 1 });
    // The hand-off is used once: a second decide for the same request object starts afresh.
    expect(await decider(fresh, log)).toEqual({ kind: 'allow', identity });
    expect(calls).toEqual({ resolveCached: 2, resolve: 0, check: 2 });
  });
});
