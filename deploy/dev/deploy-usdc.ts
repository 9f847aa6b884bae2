/**
 * Deploys Circle's USDC (FiatTokenV2_2 behind its proxy, `deployUsdc`) on a test chain of your own
 * and prints the `networks:` entry both services need, so its payments can be priced and watched:
 *
 *   node --import tsx --conditions=source deploy/dev/deploy-usdc.ts --rpc-url http://127.0.0.1:8545 \
 *     [--from <unlocked account>] [--mint-to <address> --amount <whole USDC>] [--network anvil]
 *
 * The deployer must be an account the node signs for (eth_sendTransaction): anvil's and a geth
 * `--dev` chain's are. It becomes the token's owner and minter. Test chains only.
 */
import { parseArgs } from 'node:util';
import { parseUnits } from 'ethers';
import { localAnvilNetwork } from '@turnpike/protocol';
import { stringify } from 'yaml';
import { jsonRpc } from './anvil.js';
import { deployUsdc } from './usdc.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'rpc-url': { type: 'string' },
      from: { type: 'string' },
      'mint-to': { type: 'string' },
      amount: { type: 'string', default: '1000' },
      network: { type: 'string', default: 'anvil' },
    },
    strict: true,
  });
  const rpcUrl = values['rpc-url'];
  if (!rpcUrl) throw new Error('--rpc-url is required');
  const from = values.from ?? (await jsonRpc<string[]>(rpcUrl, 'eth_accounts'))[0];
  if (!from) throw new Error('the node has no unlocked account: pass --from');
  const chainId = Number(BigInt(await jsonRpc<string>(rpcUrl, 'eth_chainId')));
  const usdc = await deployUsdc(rpcUrl, from);
  if (values['mint-to']) await usdc.mint(values['mint-to'], parseUnits(values.amount, usdc.decimals));
  const network = localAnvilNetwork({ chainId, usdcAddress: usdc.address, confirmations: 1 });
  process.stdout.write(
    `# USDC deployed at ${usdc.address} on chain ${chainId} (owner and minter ${from}).\n` +
      `# Add to both configs (authz-service and payment-portal):\n` +
      stringify({ networks: { [values.network]: network } }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`deploy-usdc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
