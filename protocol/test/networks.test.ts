import { DEFAULT_ASSETS } from '@x402/evm';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';
import {
  DEFAULT_NETWORKS,
  NetworkConfigError,
  ProtocolError,
  createNetworkRegistry,
  localAnvilNetwork,
  localAnvilOverrides,
  networkOverridesSchema,
  X402_V1_EVM_CHAIN_IDS,
  type Erc20Asset,
} from '@turnpike/protocol';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};
const USDC_ANVIL = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('built-in networks', () => {
  const registry = createNetworkRegistry();

  it('holds the ten defaults with their chain ids and CAIP-2 ids', () => {
    expect(
      registry
        .list()
        .map((n) => n.name)
        .sort(),
    ).toEqual([
      'avalanche',
      'avalanche-fuji',
      'base',
      'base-sepolia',
      'ethereum',
      'polygon',
      'polygon-amoy',
      'sepolia',
      'solana',
      'solana-devnet',
    ]);
    const ids = Object.fromEntries(
      registry.list().flatMap((n) => (n.kind === 'evm' ? [[n.name, n.chainId]] : [])),
    );
    expect(ids).toEqual({
      ethereum: 1,
      sepolia: 11155111,
      polygon: 137,
      'polygon-amoy': 80002,
      base: 8453,
      'base-sepolia': 84532,
      avalanche: 43114,
      'avalanche-fuji': 43113,
    });
    expect(registry.byCaip2('solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')?.name).toBe('solana');
    expect(registry.byCaip2('solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1')?.name).toBe('solana-devnet');
    expect(registry.byChainId(137)?.nativeSymbol).toBe('POL');
    expect(registry.byChainId(43114)?.nativeSymbol).toBe('AVAX');
    expect(registry.byX402V1Name('base-sepolia')?.caip2).toBe('eip155:84532');
    expect(registry.byChainId(31337)).toBeUndefined();
  });

  it('agrees with the x402 SDK on USDC contracts and EIP-712 domains where it has them', () => {
    let compared = 0;
    for (const n of registry.list()) {
      if (n.kind !== 'evm') continue;
      const sdk = (
        DEFAULT_ASSETS as unknown as Record<
          string,
          { asset: string; name: string; version: string; symbol?: string }[]
        >
      )[n.caip2];
      const theirs = sdk?.find((a) => a.symbol === 'USDC');
      if (theirs === undefined) continue;
      const ours = n.tokens['USDC'];
      expect([n.name, ours?.address.toLowerCase(), ours?.eip712]).toEqual([
        n.name,
        theirs.asset.toLowerCase(),
        { name: theirs.name, version: theirs.version },
      ]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it('uses x402 v1 network names that map to the same chain ids', () => {
    for (const n of registry.list()) {
      if (n.kind !== 'evm' || n.x402V1Name === undefined) continue;
      expect([n.x402V1Name, (EVM_NETWORK_CHAIN_ID_MAP as Record<string, number>)[n.x402V1Name]]).toEqual([
        n.x402V1Name,
        n.chainId,
      ]);
    }
  });

  it('resolves assets: native by default or by symbol, tokens case-insensitively', () => {
    expect(registry.asset('polygon')).toEqual({ kind: 'native', symbol: 'POL', decimals: 18 });
    expect(registry.asset('polygon', 'POL')).toEqual({ kind: 'native', symbol: 'POL', decimals: 18 });
    expect(registry.asset('solana')).toEqual({ kind: 'native', symbol: 'SOL', decimals: 9 });
    expect(registry.asset('base', 'usdc')).toMatchObject({ kind: 'erc20', decimals: 6 });
    expect(registry.asset('solana', 'USDC')).toEqual({
      kind: 'spl',
      symbol: 'USDC',
      decimals: 6,
      mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
    });
    expect(code(() => registry.asset('base', 'DAI'))).toBe('asset_unknown');
    expect(code(() => registry.asset('base', 'toString'))).toBe('asset_unknown');
    expect(code(() => registry.asset('nope'))).toBe('network_unknown');
    expect(code(() => registry.require('nope'))).toBe('network_unknown');
    expect(registry.get('nope')).toBeUndefined();
  });

  it('is immutable', () => {
    const base = registry.require('base');
    expect(() => {
      (base as { confirmations: number }).confirmations = 0;
    }).toThrow(TypeError);
    expect(DEFAULT_NETWORKS['base']?.kind).toBe('evm');
  });
});

describe('overrides', () => {
  it('adds a local anvil chain with USDC', () => {
    const registry = createNetworkRegistry({
      anvil: localAnvilNetwork({ usdcAddress: USDC_ANVIL.toLowerCase() }),
    });
    const anvil = registry.require('anvil');
    expect(anvil).toMatchObject({
      kind: 'evm',
      chainId: 31337,
      caip2: 'eip155:31337',
      confirmations: 0,
      testnet: true,
    });
    expect((registry.asset('anvil', 'USDC') as Erc20Asset).address).toBe(USDC_ANVIL);
    expect(registry.byChainId(31337)?.name).toBe('anvil');
    expect(registry.list()).toHaveLength(11);
  });

  it('names the anvil entry through localAnvilOverrides', () => {
    const registry = createNetworkRegistry(
      localAnvilOverrides({ name: 'devchain', chainId: 1337, confirmations: 2 }),
    );
    expect(registry.require('devchain')).toMatchObject({
      chainId: 1337,
      caip2: 'eip155:1337',
      confirmations: 2,
    });
    expect(code(() => registry.asset('devchain', 'USDC'))).toBe('asset_unknown');
  });

  it('overrides any field of a built-in and adds tokens', () => {
    const registry = createNetworkRegistry({
      base: {
        confirmations: 3,
        tokens: {
          USDC: { eip712: { name: 'Renamed' } },
          EURC: {
            decimals: 6,
            address: '0x60a3e35cc302bfa44cb288bc5a4f316fdb1adb42',
            eip712: { name: 'EURC', version: '2' },
          },
        },
      },
      solana: { commitment: 'confirmed' },
    });
    const base = registry.require('base');
    expect(base.kind === 'evm' && base.confirmations).toBe(3);
    expect((registry.asset('base', 'USDC') as Erc20Asset).eip712).toEqual({ name: 'Renamed', version: '2' });
    expect(registry.asset('base', 'EURC')).toEqual({
      kind: 'erc20',
      symbol: 'EURC',
      decimals: 6,
      address: '0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42',
      eip712: { name: 'EURC', version: '2' },
    });
    expect(registry.require('solana')).toMatchObject({ commitment: 'confirmed' });
    // the built-ins themselves are untouched
    expect(createNetworkRegistry().require('base')).toMatchObject({ confirmations: 10 });
  });

  it("records x402 v1's own name → chain id table (the chain a v1 client signs for under each name)", () => {
    expect(X402_V1_EVM_CHAIN_IDS).toEqual(EVM_NETWORK_CHAIN_ID_MAP);
  });

  it('gives a local or custom EVM network the x402 v1 name of its chain by default, and none to a chain v1 clients cannot sign for', () => {
    const registry = createNetworkRegistry({
      devnet: localAnvilNetwork({ chainId: 1328, usdcAddress: USDC_ANVIL }),
      anvil: localAnvilNetwork(),
      moved: { kind: 'evm', chainId: 31338, nativeSymbol: 'ETH', confirmations: 0 },
    });
    expect(registry.require('devnet').x402V1Name).toBe('sei-testnet');
    expect(registry.byX402V1Name('sei-testnet')?.name).toBe('devnet');
    expect(registry.require('anvil').x402V1Name).toBeUndefined();
    // A built-in moved to another chain loses the name v1 clients would sign for the old chain with.
    expect(createNetworkRegistry({ base: { chainId: 31339 } }).require('base').x402V1Name).toBeUndefined();
  });

  it('refuses a known x402 v1 name on another chain (v1 clients would sign for the wrong chain)', () => {
    const result = networkOverridesSchema.safeParse({
      anvil: { ...localAnvilNetwork(), x402V1Name: 'base-sepolia' },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toContainEqual(
      expect.objectContaining({
        path: ['anvil', 'x402V1Name'],
        message: expect.stringMatching(/chain 84532/),
      }),
    );
    // A name v1 clients do not know is the operator's to choose.
    expect(
      createNetworkRegistry({ anvil: { ...localAnvilNetwork(), x402V1Name: 'my-devnet' } }).require('anvil')
        .x402V1Name,
    ).toBe('my-devnet');
  });

  it("lets a local chain take a built-in's chain id once that built-in is removed with null (npm start's anvil on 84532)", () => {
    // Without the removal the chain id clashes with the built-in base-sepolia.
    const clash = networkOverridesSchema.safeParse({ anvil: localAnvilNetwork({ chainId: 84532 }) });
    expect(clash.success).toBe(false);
    expect(clash.error!.issues.map((i) => i.path.join('.'))).toContain('anvil.caip2');

    const registry = createNetworkRegistry({
      'base-sepolia': null,
      anvil: localAnvilNetwork({ chainId: 84532 }),
    });
    expect(registry.get('base-sepolia')).toBeUndefined();
    expect(registry.require('anvil')).toMatchObject({ caip2: 'eip155:84532', x402V1Name: 'base-sepolia' });
    expect(registry.byChainId(84532)?.name).toBe('anvil');
    expect(registry.byX402V1Name('base-sepolia')?.name).toBe('anvil');
  });

  it('refuses null for a name that is not a built-in', () => {
    const result = networkOverridesSchema.safeParse({ 'my-chain': null });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toContainEqual(
      expect.objectContaining({
        path: ['my-chain'],
        message: expect.stringMatching(/no built-in "my-chain"/),
      }),
    );
  });

  it('derives the CAIP-2 id from a new chain id', () => {
    const registry = createNetworkRegistry({
      gnosis: { kind: 'evm', chainId: 100, nativeSymbol: 'xDAI', confirmations: 5 },
    });
    expect(registry.byCaip2('eip155:100')?.name).toBe('gnosis');
  });

  it('reports every problem at once with its path', () => {
    const result = networkOverridesSchema.safeParse({
      anvil: { kind: 'evm', chainId: -5, nativeSymbol: 'ETH', confirmations: 1 },
      base: {
        tokens: { USDC: { address: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913'.replace('833', '8G3') } },
      },
      ethereum: { caip2: 'eip155:2' },
      devnet2: { kind: 'solana', caip2: 'solana:bad' },
      'Bad Name': {},
      polygon: { chainId: 8453 },
      sepolia: { confirmations: 1.5 },
      'base-sepolia': { bogus: 1 },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    for (const expected of [
      'anvil.chainId',
      'base.tokens.USDC.address',
      'ethereum.caip2',
      'devnet2.caip2',
      'devnet2.commitment',
      'polygon.caip2',
      'sepolia.confirmations',
      'base-sepolia',
    ]) {
      expect(paths).toContainEqual(expected);
    }
    expect(paths.some((p) => p.startsWith('Bad Name'))).toBe(true);
  });

  it('refuses a mixed-case EVM address with a bad checksum', () => {
    const bad = USDC_ANVIL.replace('Fb', 'fB');
    expect(() => createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress: bad }) })).toThrow(
      NetworkConfigError,
    );
  });

  it('refuses a new network without the fields it needs', () => {
    try {
      createNetworkRegistry({ mychain: { kind: 'evm' } });
      throw new Error('expected a NetworkConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(NetworkConfigError);
      const issues = (err as NetworkConfigError).issues.join('\n');
      expect(issues).toContain('networks.mychain.chainId');
      expect(issues).toContain('networks.mychain.confirmations');
    }
  });

  it('refuses a token keyed under another symbol and one that shadows the native symbol', () => {
    const r = networkOverridesSchema.safeParse({
      base: {
        tokens: {
          WETH: { symbol: 'ETH2', decimals: 18, address: USDC_ANVIL, eip712: { name: 'x', version: '1' } },
        },
      },
      polygon: {
        tokens: { pol: { decimals: 18, address: USDC_ANVIL, eip712: { name: 'x', version: '1' } } },
      },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['base.tokens.WETH.symbol', 'polygon.tokens.pol']),
    );
  });
});
