/** The local dev chain harness shared by `npm start`, the tests and the benchmarks. */
export {
  startAnvil,
  sendNative,
  waitForReceipt,
  jsonRpc,
  anvilBinaryPath,
  DEV_MNEMONIC,
  DEV_CHAIN_ID,
  DEV_STACK_CHAIN_ID,
} from './anvil.js';
export type { AnvilChain, StartAnvilOptions } from './anvil.js';
export { devKey } from './dev-keys.js';
export { deployUsdc, deployFakeToken, deployFiatToken, devProvider } from './usdc.js';
export type { DeployedToken, DeployTokenOptions } from './usdc.js';
