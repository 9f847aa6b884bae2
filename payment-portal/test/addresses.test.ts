import { HDNodeWallet } from 'ethers';
import { createEvmAddressDeriver } from '../src/addresses/derive-evm.js';
import { ADDRESS_BRANCH, createXpubDeriver } from '../src/addresses/xpub-deriver.js';

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

describe('challenge and x402 addresses from the xpub (BIP-32 public derivation in WebAssembly)', () => {
  const account = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'");
  const deriver = createXpubDeriver(account.neuter().extendedKey);
  const fromSeed = (path: string) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, path).address.toLowerCase();

  it("gives challenge index i the address the seed holds at m/44'/60'/0'/1/⌊i/2^31⌋/(i mod 2^31)", () => {
    for (const i of [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 5, 3 * 2 ** 31 + 17]) {
      const hi = Math.floor(i / 2 ** 31);
      expect(deriver.challengeAddress(i)).toBe(fromSeed(`m/44'/60'/0'/1/${hi}/${i % 2 ** 31}`));
    }
  });

  it("derives the x402 address m/44'/60'/0'/2/0 and the pool's m/44'/60'/0'/0/i alike", () => {
    expect(deriver.address([ADDRESS_BRANCH.x402, 0])).toBe(fromSeed("m/44'/60'/0'/2/0"));
    expect(deriver.address([ADDRESS_BRANCH.pool, 9])).toBe(fromSeed("m/44'/60'/0'/0/9"));
    expect(deriver.walletId).toBe(createEvmAddressDeriver(account.neuter().extendedKey).walletId);
  });

  it('refuses hardened, negative and unsafe indexes', () => {
    expect(() => deriver.address([2 ** 31])).toThrow(TypeError);
    expect(() => deriver.address([-1])).toThrow(TypeError);
    expect(() => deriver.challengeAddress(2 ** 53)).toThrow(TypeError);
  });
});
