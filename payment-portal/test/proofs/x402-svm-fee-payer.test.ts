import { createPublicKey, generateKeyPairSync, verify as edVerify } from 'node:crypto';
import { getBase58Decoder, getBase58Encoder } from '@solana/kit';
import { Secret } from '@turnpike/protocol/service';
import { proofsConfigSchema } from '../../src/proofs/config.js';
import { loadSolanaFeePayer } from '../../src/proofs/x402/svm/fee-payer.js';

function keygen(): { seed: Buffer; pub: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    seed: Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'),
    pub: Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
  };
}

describe('the x402 Solana fee payer key', () => {
  it('reads a solana-keygen JSON array and the same bytes in base58; its address is the public half; it signs', () => {
    const { seed, pub } = keygen();
    const bytes = Buffer.concat([seed, pub]);
    const fromJson = loadSolanaFeePayer(new Secret(JSON.stringify([...bytes]), 'env TEST'));
    const fromBase58 = loadSolanaFeePayer(new Secret(getBase58Decoder().decode(bytes), 'env TEST'));
    expect(fromJson.address).toBe(getBase58Decoder().decode(pub));
    expect(fromBase58.address).toBe(fromJson.address);
    const message = Buffer.from('a transaction message');
    const signature = fromJson.sign(message);
    const key = createPublicKey({
      key: Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        Buffer.from(getBase58Encoder().encode(fromJson.address)),
      ]),
      format: 'der',
      type: 'spki',
    });
    expect(edVerify(null, message, key, signature)).toBe(true);
    expect(edVerify(null, Buffer.from('another message'), key, signature)).toBe(false);
  });

  it('refuses what is not a key, and halves that do not belong together, without repeating the secret', () => {
    const { seed, pub } = keygen();
    const other = keygen();
    const cases = [
      'not a key at all',
      JSON.stringify([...seed]),
      JSON.stringify([...seed, ...other.pub]),
      JSON.stringify([...seed, ...pub].map((b) => b + 300)),
    ];
    for (const text of cases) {
      let message = '';
      try {
        loadSolanaFeePayer(new Secret(text, 'file /run/secrets/fee-payer.json'));
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(
        /^proofs\.x402\.solana\.feePayerKey \(file \/run\/secrets\/fee-payer\.json\): /,
      );
      expect(message).not.toContain(text.slice(1, 20));
      expect(message).not.toContain(String(seed[0]) + ',' + String(seed[1]));
    }
  });
});

describe('proofs.x402.solana config', () => {
  const key = { fromEnv: 'X402_SVM_TEST_FEE_PAYER' };
  beforeAll(() => {
    process.env.X402_SVM_TEST_FEE_PAYER = 'a key';
  });
  afterAll(() => {
    delete process.env.X402_SVM_TEST_FEE_PAYER;
  });

  it("a Solana-only portal needs no relayer key; the defaults hold the scheme's caps", async () => {
    const parsed = await proofsConfigSchema.parseAsync({ x402: { solana: { feePayerKey: key } } });
    expect(parsed.x402?.solana).toMatchObject({
      lowBalanceLamports: 50_000_000,
      maxComputeUnitPriceMicroLamports: 5_000_000,
      maxComputeUnitLimit: 200_000,
      confirmTimeoutMs: 30_000,
    });
    expect(JSON.stringify(parsed)).not.toContain('a key');
  });

  it("refuses a compute-unit price cap above x402's 5 lamports per unit, and relayer mode with neither key", async () => {
    const tooHigh = await proofsConfigSchema.safeParseAsync({
      x402: { solana: { feePayerKey: key, maxComputeUnitPriceMicroLamports: 5_000_001 } },
    });
    expect(tooHigh.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'x402.solana.maxComputeUnitPriceMicroLamports',
    ]);
    const neither = await proofsConfigSchema.safeParseAsync({ x402: {} });
    expect(neither.error?.issues.map((i) => i.path.join('.'))).toEqual(['x402.relayerKey']);
  });
});
