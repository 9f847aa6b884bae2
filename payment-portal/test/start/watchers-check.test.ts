import { watchersCheck } from '../../src/start/watchers-check.js';
import { createWatcherHealth } from '../../src/watchers/watcher-health.js';

describe('watchersCheck (the watchers part of /readyz)', () => {
  let clock = 1_000_000;
  const now = () => clock;

  it('counts a network as watched within the threshold, or two poll intervals when longer', () => {
    const fast = createWatcherHealth({ network: 'fast', kind: 'evm', pollIntervalMs: 2_000, now });
    const slow = createWatcherHealth({ network: 'slow', kind: 'evm', pollIntervalMs: 60_000, now });
    fast.passSucceeded();
    slow.passSucceeded();
    clock += 100_000;
    let check = watchersCheck([fast, slow], { staleAfterMs: 60_000, now: clock });
    expect(check.networks.fast!.ok).toBe(false);
    expect(check.networks.slow!.ok).toBe(true);
    expect(check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(
        /^1 of 2 networks watched; not watched: fast: last successful pass 100 s ago/,
      ),
    });
    clock += 30_000;
    check = watchersCheck([fast, slow], { staleAfterMs: 60_000, now: clock });
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^no network watched: fast: .*; slow: last successful pass 130 s ago/);
  });

  it('a network without a completed pass is not watched; its error is reported without URLs', () => {
    const h = createWatcherHealth({
      network: 'base',
      kind: 'evm',
      rpcUrls: ['https://rpc.example/v2/SECRET-KEY', 'https://backup.example'],
      now,
    });
    h.rpcCall('https://rpc.example/v2/SECRET-KEY', false);
    h.passFailed(
      new Error(
        'eth_blockNumber: every RPC endpoint failed (last: GET https://rpc.example/v2/SECRET-KEY 401)',
      ),
    );
    const check = watchersCheck([h], { staleAfterMs: 60_000, now: clock });
    expect(check.ok).toBe(false);
    expect(check.networks.base).toEqual({
      ok: false,
      kind: 'evm',
      consecutiveFailures: 1,
      lastError: 'eth_blockNumber: every RPC endpoint failed (last: GET <url> 401)',
      rpc: [
        { endpoint: 0, state: 'down', consecutiveFailures: 1 },
        { endpoint: 1, state: 'unused', consecutiveFailures: 0 },
      ],
    });
    expect(JSON.stringify(check)).not.toContain('SECRET');
    expect(check.detail).toBe(
      'no network watched: base: no successful pass yet (eth_blockNumber: every RPC endpoint failed (last: GET <url> 401))',
    );
  });

  it('reports the EVM lag from the head and the cursor of the last pass, and a Solana slot', () => {
    const evm = createWatcherHealth({ network: 'base', kind: 'evm', now });
    evm.chainAt(1_000n, 640n);
    evm.passSucceeded();
    const sol = createWatcherHealth({ network: 'solana', kind: 'solana', now });
    sol.chainAt(350_000_000n);
    sol.passSucceeded();
    const check = watchersCheck([evm, sol], { staleAfterMs: 60_000, now: clock });
    expect(check.networks.base).toMatchObject({
      ok: true,
      headBlock: 1000,
      cursorBlock: 640,
      lagBlocks: 360,
      lastSuccessAgoMs: 0,
    });
    expect(check.networks.solana).toMatchObject({ ok: true, headSlot: 350_000_000 });
    expect(check.networks.solana).not.toHaveProperty('lagBlocks');
  });
});
