import { HDNodeWallet } from 'ethers';
import { DEV_MNEMONIC } from './anvil.js';

/**
 * Account `index` of the dev mnemonic (m/44'/60'/0'/0/<index>), one of the accounts anvil funds.
 * Its key is public: dev chains only.
 */
export function devKey(index: number): { address: string; privateKey: `0x${string}` } {
  const node = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return { address: node.address, privateKey: node.privateKey as `0x${string}` };
}
