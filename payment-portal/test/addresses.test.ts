import { HDNodeWallet } from 'ethers';
import { createEvmAddressDeriver } from '../src/addresses/derive-evm.js';

const MNEMONIC = 'test test test test test test test test test test test junk';

describe('EVM receive addresses from an xpub', () => {
  const account = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'");

  it("derives the owner's wallet addresses m/44'/60'/0'/0/i from the watch-only xpub", () => {
    const deriver = createEvmAddressDeriver(account.neuter().extendedKey);
    for (const i of [0, 1, 7, 1000]) {
      const fromSeed = HDNodeWallet.fromPhrase(
        MNEMONIC,
        undefined,
        `m/44'/60'/0'/0/${i}`,
      ).address.toLowerCase();
      expect(deriver.derive(i)).toBe(fromSeed);
    }
    // Index 0 of the dev mnemonic is anvil's first account.
    expect(deriver.derive(0)).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
  });

  it('refuses an extended private key', () => {
    expect(() => createEvmAddressDeriver(account.extendedKey)).toThrow(/PRIVATE key/);
  });
});
