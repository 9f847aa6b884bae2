import { createNetworkRegistry, paymentRequestFromJson, REASONS } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { createDecider } from '../../src/core/decide.js';
import type { NeutralRequest } from '../../src/core/types.js';
import type { RequirementResolver } from '../../src/requirements/resolve.js';
import type { TokenChecker } from '../../src/tokens/check.js';
import { BASE_USDC_REQUEST } from '../support/upstream.js';

const log = createLogger({ name: 'test', level: 'silent' });
const request = paymentRequestFromJson(BASE_USDC_REQUEST, createNetworkRegistry());
const req: NeutralRequest = { method: 'GET', scheme: 'https', host: 'shop.example', target: '/premium/./article?x=1', headers: {} };

const priced: RequirementResolver = { resolve: async () => ({ kind: 'priced', request, source: 'upstream' }) };
const free: RequirementResolver = { resolve: async () => ({ kind: 'free' }) };
const noToken: TokenChecker = { check: async () => ({ ok: false, reason: REASONS.TOKEN_MISSING }) };
const identity = { payer: '0xp', tokenId: 'j', claims: { plan: 'gold' }, scope: '/premium' };
const okToken: TokenChecker = { check: async () => ({ ok: true, identity }) };

describe('createDecider', () => {
  it('free resource: allow with empty identity, without looking at tokens', async () => {
    let checked = false;
    const decide = createDecider({ requirements: free, tokens: { check: async () => ((checked = true), { ok: false, reason: REASONS.TOKEN_MISSING }) }, timeoutMs: 100 });
    expect(await decide(req, log)).toEqual({ kind: 'allow', identity: { payer: '', tokenId: '', claims: {}, scope: '' } });
    expect(checked).toBe(false);
  });

  it('priced without a valid token: payment_required with the resolved requirement (normalised path, query kept)', async () => {
    const decide = createDecider({ requirements: priced, tokens: noToken, timeoutMs: 100 });
    const d = await decide(req, log);
    expect(d).toMatchObject({
      kind: 'payment_required',
      reason: REASONS.TOKEN_MISSING,
      requirement: { host: 'shop.example', scheme: 'https', path: '/premium/article', query: 'x=1', originalUri: '/premium/article?x=1', source: 'upstream' },
    });
  });

  it('priced with a valid token: allow with its identity', async () => {
    const decide = createDecider({ requirements: priced, tokens: okToken, timeoutMs: 100 });
    expect(await decide(req, log)).toEqual({ kind: 'allow', identity });
  });

  it('an unparsable target is forbidden with its reason', async () => {
    const decide = createDecider({ requirements: free, tokens: okToken, timeoutMs: 100 });
    expect(await decide({ ...req, target: '/a/%2e%2e/%2e%2e/x' }, log)).toEqual({ kind: 'forbidden', reason: REASONS.PATH_DOT_SEGMENT_ESCAPE });
  });

  it('fails closed when anything throws', async () => {
    const boom: RequirementResolver = { resolve: async () => Promise.reject(new Error('boom')) };
    const decide = createDecider({ requirements: boom, tokens: okToken, timeoutMs: 100 });
    expect(await decide(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
    const tokenBoom: TokenChecker = { check: () => Promise.reject(new TypeError('bad')) };
    expect(await createDecider({ requirements: priced, tokens: tokenBoom, timeoutMs: 100 })(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.INTERNAL_ERROR });
  });

  it('fails closed when the decision takes too long', async () => {
    const hang: RequirementResolver = { resolve: () => new Promise(() => undefined) };
    const decide = createDecider({ requirements: hang, tokens: okToken, timeoutMs: 20 });
    expect(await decide(req, log)).toEqual({ kind: 'unavailable', reason: 'decision_timeout' });
  });

  it('when the keys are unavailable, answers unavailable instead of asking a token holder to pay', async () => {
    const noKeys: TokenChecker = { check: async () => ({ ok: false, reason: REASONS.KEYS_UNAVAILABLE, unavailable: true }) };
    expect(await createDecider({ requirements: priced, tokens: noKeys, timeoutMs: 100 })(req, log)).toEqual({ kind: 'unavailable', reason: REASONS.KEYS_UNAVAILABLE });
  });
});
