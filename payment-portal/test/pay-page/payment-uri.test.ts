import { buildPaymentUri, dueOffer } from '../../src/pay-page/index.js';
import { baseOffer, ethOffer, solanaOffer, usdcOffer } from './fixtures.js';

describe('buildPaymentUri', () => {
  it('writes the EIP-681 native form: recipient, chain id, value in wei', () => {
    expect(buildPaymentUri(ethOffer())).toBe(
      'ethereum:0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0@31337?value=1000000000000000',
    );
  });

  it('writes the EIP-681 ERC-20 transfer form: token contract, chain id, recipient and atomic amount', () => {
    expect(buildPaymentUri(baseOffer())).toBe(
      'ethereum:0x036CbD53842c5426634e7929541eC2318f3dCF7e@84532/transfer' +
        '?address=0xC1d0E2Ab0f6F8b7d3E6a4E5C5b9a1F2e3D4C5b6a&uint256=1000000',
    );
  });

  it('leaves the chain id out when the offer has none', () => {
    const { chainId: _drop, ...rest } = ethOffer();
    expect(buildPaymentUri(rest)).toBe(
      'ethereum:0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0?value=1000000000000000',
    );
  });

  it('refuses an ERC-20 offer without a contract address rather than asking for the native coin', () => {
    const offer = usdcOffer({ asset: { symbol: 'USDC', kind: 'erc20', decimals: 6 } });
    expect(() => buildPaymentUri(offer)).toThrow(TypeError);
  });

  it("writes a Solana Pay URI with the amount in whole units, spl-token and the offer's reference", () => {
    expect(buildPaymentUri(solanaOffer())).toBe(
      'solana:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin?amount=1.5' +
        '&spl-token=4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU' +
        '&reference=7ZnnAeP2y1aRRBkZ1zQz5pW3Ge1yVjT2Ck6J3M7u2LJx',
    );
  });

  it('percent-encodes label and message (%20, never +) and accepts several references', () => {
    const { reference: _none, ...offer } = solanaOffer({
      asset: { symbol: 'SOL', kind: 'native', decimals: 9 },
      amount: '0.01',
      atomic: '10000000',
    });
    const uri = buildPaymentUri(offer, {
      reference: [
        'Ref1111111111111111111111111111111111111111',
        'Ref2222222222222222222222222222222222222222',
      ],
      label: 'shop.example',
      message: 'Premium & more #1',
    });
    expect(uri).toBe(
      'solana:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin?amount=0.01' +
        '&reference=Ref1111111111111111111111111111111111111111' +
        '&reference=Ref2222222222222222222222222222222222222222' +
        '&label=shop.example&message=Premium%20%26%20more%20%231',
    );
    expect(uri).not.toContain('spl-token');
  });

  it('refuses an SPL offer without a mint', () => {
    const offer = solanaOffer({ asset: { symbol: 'USDC', kind: 'spl', decimals: 6 } });
    expect(() => buildPaymentUri(offer)).toThrow(TypeError);
  });

  it('asks for what is left after a partial payment, exactly (no float rounding)', () => {
    const usdc = dueOffer(usdcOffer({ received: '0.4', remaining: '0.6' }));
    expect(buildPaymentUri(usdc)).toMatch(/&uint256=600000$/);
    const eth = dueOffer(ethOffer({ received: '0.0009', remaining: '0.000100000000000001' }));
    expect(buildPaymentUri(eth)).toMatch(/\?value=100000000000001$/);
    const sol = dueOffer(solanaOffer({ received: '1', remaining: '0.5' }));
    expect(buildPaymentUri(sol)).toContain('?amount=0.5&');
    // Nothing received, or nothing left: the offer as it is.
    expect(dueOffer(usdcOffer())).toEqual(usdcOffer());
    expect(dueOffer(usdcOffer({ received: '1', remaining: '0' })).atomic).toBe('1000000');
  });
});
