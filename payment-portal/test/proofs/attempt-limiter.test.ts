import { createAttemptLimiter } from '../../src/proofs/attempt-limiter.js';

describe('per-client limit on payment proof attempts', () => {
  it('lets `limit` attempts a minute through per client, then says how long to wait, and starts over after the minute', () => {
    let now = 1_000_000;
    const limiter = createAttemptLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('198.51.100.1'))).toEqual([undefined, undefined, undefined]);
    now += 20_000;
    expect(limiter.take('198.51.100.1')).toBe(40);
    // Another client has its own count.
    expect(limiter.take('198.51.100.2')).toBeUndefined();
    now += 40_000;
    expect(limiter.take('198.51.100.1')).toBeUndefined();
  });
});
