import { getAddress, Wallet } from 'ethers';
import { checksumEvmAddress, isSolanaAddress } from '@turnpike/protocol';

// The EIP-55 implementation in protocol is our own (to keep ethers out of the authorizer);
// ethers' getAddress is the reference it must agree with.
describe('checksumEvmAddress agrees with ethers getAddress', () => {
  const addresses = Array.from({ length: 300 }, () => Wallet.createRandom().address);

  it('checksums lower- and upper-case input exactly as ethers does', () => {
    for (const a of addresses) {
      expect(checksumEvmAddress(a.toLowerCase())).toBe(getAddress(a.toLowerCase()));
      expect(checksumEvmAddress('0x' + a.slice(2).toUpperCase())).toBe(a);
    }
  });

  it('accepts a correct mixed-case checksum and refuses a wrong one', () => {
    for (const a of addresses) {
      expect(checksumEvmAddress(a)).toBe(a);
      const i = [...a.slice(2)].findIndex((c) => /[a-fA-F]/.test(c));
      if (i < 0) continue;
      const c = a.charAt(i + 2);
      const flipped =
        a.slice(0, i + 2) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + a.slice(i + 3);
      if (
        flipped.slice(2) === flipped.slice(2).toLowerCase() ||
        flipped.slice(2) === flipped.slice(2).toUpperCase()
      )
        continue;
      expect(checksumEvmAddress(flipped)).toBeNull();
    }
  });

  it('knows a Solana key from something else', () => {
    expect(isSolanaAddress('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v')).toBe(true);
    expect(isSolanaAddress('11111111111111111111111111111111')).toBe(true);
    expect(isSolanaAddress('EPjFWdd5AufqSSqeM2qN1xzybapC8G4w')).toBe(false);
    expect(isSolanaAddress('0x5FbDB2315678afecb367f032d93F642f64180aa3')).toBe(false);
  });
});
