import { Registry } from 'prom-client';
import { createWatcherHealth } from '../../src/watchers/watcher-health.js';
import { registerWatcherMetrics } from '../../src/watchers/watcher-metrics.js';

/** `turnpike_portal_chain_head_age_seconds` is computed at scrape time from what the watcher read. */
describe('chain head age gauge', () => {
  const series = async (registry: Registry) =>
    (await registry.getSingleMetric('turnpike_portal_chain_head_age_seconds')!.get()).values.map((v) => [
      v.labels.network,
      v.value,
    ]);

  it('is now minus the newest block read, grows while no newer block comes, and is absent on a replica that does not scan', async () => {
    let nowMs = 1_000_000_000;
    const registry = new Registry();
    const anvil = createWatcherHealth({ network: 'anvil', kind: 'evm' });
    const base = createWatcherHealth({ network: 'base', kind: 'evm' });
    registerWatcherMetrics(registry, [anvil, base], () => nowMs);
    expect(await series(registry)).toEqual([]);

    anvil.newestBlockAt(999_990);
    expect(await series(registry)).toEqual([['anvil', 10]]);
    nowMs += 5_000;
    expect(await series(registry)).toEqual([['anvil', 15]]);
    // A block read again (a rescan) never moves the age backwards.
    anvil.newestBlockAt(999_980);
    expect(await series(registry)).toEqual([['anvil', 15]]);
    base.newestBlockAt(999_995);
    expect(await series(registry)).toEqual([
      ['anvil', 15],
      ['base', 10],
    ]);
    // Another replica took the scan lease: this one stops reporting an age of its own.
    anvil.newestBlockAt(undefined);
    expect(await series(registry)).toEqual([['base', 10]]);
  });
});
