/**
 * Child process for bench/402: the real payment-portal (built dist/), loaded from the YAML file
 * named by BENCH_PORTAL_CONFIG exactly as `payment-portal --config` loads it. The driver writes
 * that file: PostgreSQL, an EVM xpub, a watcher whose RPC is a dead port, an x402 relayer key.
 * Prints the ready line once both listeners are up.
 */
import { loadPortalConfig, startPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';

const file = process.env.BENCH_PORTAL_CONFIG;
if (!file) throw new Error('BENCH_PORTAL_CONFIG is required');
const config = await loadPortalConfig({ file, env: {} });
const portal = await startPaymentPortal(config, {
  logger: createLogger({ name: 'portal-bench', level: 'silent' }),
});
console.log(JSON.stringify({ ready: true, internalUrl: portal.internalUrl, publicUrl: portal.publicUrl }));
process.on('SIGTERM', () => {
  void portal.close().then(() => process.exit(0));
});
