import { createProbeCache } from '../../src/requirements/probe-cache.js';
import type { ProbeAnswer } from '../../src/requirements/probe.js';

const FREE: ProbeAnswer = { kind: 'free' };
const base = { maxEntries: 100, defaultTtlSeconds: 60, negativeTtlSeconds: 10, staleIfErrorSeconds: 30 };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('probe cache', () => {
  it('serves a fresh answer without probing, and probes again after the negative TTL', async () => {
    const c = clock();
    const results: string[] = [];
    const cache = createProbeCache({ ...base, now: c.now, onResult: (r) => results.push(r) });
    let probes = 0;
    const probe = async (): Promise<ProbeAnswer> => {
      probes++;
      return FREE;
    };
    await cache.get('a.example', '/x', probe);
    await cache.get('a.example', '/x', probe);
    expect(probes).toBe(1);
    c.advance(9_000);
    await cache.get('a.example', '/x', probe);
    expect(probes).toBe(1);
    c.advance(2_000); // past the 10 s negative TTL
    await cache.get('a.example', '/x', probe);
    expect(probes).toBe(2);
    expect(results).toEqual(['miss', 'hit', 'hit', 'miss']);
  });

  it("uses the upstream's own TTL (x-402-cache / max-age) over the defaults; 0 means not cached", async () => {
    const c = clock();
    const cache = createProbeCache({ ...base, now: c.now });
    let probes = 0;
    const answer = (ttlSeconds: number) => async (): Promise<ProbeAnswer> => {
      probes++;
      return { kind: 'free', ttlSeconds };
    };
    await cache.get('h', '/long', answer(3600));
    c.advance(600_000);
    await cache.get('h', '/long', answer(3600));
    expect(probes).toBe(1);
    await cache.get('h', '/never', answer(0));
    await cache.get('h', '/never', answer(0));
    expect(probes).toBe(3);
  });

  it('probes once for many concurrent misses (single flight)', async () => {
    const cache = createProbeCache(base);
    let probes = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const probe = async (): Promise<ProbeAnswer> => {
      probes++;
      await gate;
      return FREE;
    };
    const all = Promise.all(Array.from({ length: 50 }, () => cache.get('h', '/same', probe)));
    release();
    const answers = await all;
    expect(probes).toBe(1);
    expect(answers.every((a) => a.kind === 'free')).toBe(true);
  });

  it('a failing probe propagates (the caller denies) when nothing usable is cached', async () => {
    const cache = createProbeCache(base);
    await expect(cache.get('h', '/p', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    // The failure is not cached: the next lookup probes again.
    await expect(cache.get('h', '/p', async () => FREE)).resolves.toEqual(FREE);
  });

  it('serves a stale answer when the re-probe fails inside the stale-if-error window, and not after it', async () => {
    const c = clock();
    const results: string[] = [];
    const cache = createProbeCache({ ...base, now: c.now, onResult: (r) => results.push(r) });
    const priced: ProbeAnswer = { kind: 'free', ttlSeconds: 5 };
    await cache.get('h', '/p', async () => priced);
    c.advance(10_000);
    await expect(cache.get('h', '/p', () => Promise.reject(new Error('down')))).resolves.toBe(priced);
    expect(results).toContain('stale');
    c.advance(30_000);
    await expect(cache.get('h', '/p', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
  });

  it('purges one path, one host, a path on every host, or everything', async () => {
    const cache = createProbeCache(base);
    const fill = async (): Promise<void> => {
      for (const host of ['a', 'b'])
        for (const path of ['/1', '/2']) await cache.get(host, path, async () => FREE);
    };
    await fill();
    expect(cache.purge({ host: 'a', path: '/1' })).toBe(1);
    expect(cache.size).toBe(3);
    expect(cache.purge({ host: 'b' })).toBe(2);
    expect(cache.purge({ path: '/2' })).toBe(1);
    await fill();
    expect(cache.purge({ all: true })).toBe(4);
    expect(cache.size).toBe(0);
  });

  it('a probe started before a purge does not refill the cache', async () => {
    const cache = createProbeCache(base);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = cache.get('h', '/p', async () => {
      await gate;
      return FREE;
    });
    cache.purge({ all: true });
    release();
    await pending;
    expect(cache.size).toBe(0);
  });

  it('is bounded', async () => {
    const cache = createProbeCache({ ...base, maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.get('h', `/${i}`, async () => FREE);
    expect(cache.size).toBe(3);
  });
});
