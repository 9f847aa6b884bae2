import { proofsConfigSchema } from '../../src/proofs/index.js';

describe('proofs config', () => {
  it('defaults: tx proofs on, no x402; unbound proofs are a per-resource opt-in, not a portal setting', async () => {
    const c = await proofsConfigSchema.parseAsync({});
    expect(c.tx).toMatchObject({ enabled: true, maxTxAgeSeconds: 86_400 });
    await expect(proofsConfigSchema.parseAsync({ tx: { allowUnboundProofs: true } })).rejects.toThrow();
    expect(c.x402).toBeUndefined();
  });

  it('reads the relayer key from a secret source and never prints it', async () => {
    process.env.PROOFS_TEST_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    try {
      const c = await proofsConfigSchema.parseAsync({ x402: { relayerKey: { fromEnv: 'PROOFS_TEST_KEY' } } });
      expect(c.x402?.mode).toBe('relayer');
      expect(c.x402?.relayerKey?.reveal()).toBe(process.env.PROOFS_TEST_KEY);
      expect(JSON.stringify(c)).not.toContain('59c6995e');
    } finally {
      delete process.env.PROOFS_TEST_KEY;
    }
  });

  it('reports every problem: literal key, relayer mode without key, facilitator mode without url', async () => {
    const literal = await proofsConfigSchema.safeParseAsync({ x402: { relayerKey: '0xabc' } });
    expect(literal.success).toBe(false);
    const noKey = await proofsConfigSchema.safeParseAsync({ x402: { mode: 'relayer' } });
    expect(noKey.error?.issues.map((i) => i.path.join('.'))).toEqual(['x402.relayerKey']);
    const noUrl = await proofsConfigSchema.safeParseAsync({
      x402: { mode: 'facilitator' },
      tx: { networks: { base: { maxTxAgeSeconds: -1 } } },
    });
    expect(noUrl.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'tx.networks.base.maxTxAgeSeconds',
      'x402.facilitator',
    ]);
  });
});
