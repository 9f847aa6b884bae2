/**
 * Permit2 on anvil, as x402's `exact` EVM scheme uses it for ERC-20s without EIP-3009: the
 * canonical Permit2 contract at its canonical address, x402's `x402ExactPermit2Proxy` at its
 * canonical address (deployed the way x402 deploys it: its shipped init code through the CREATE2
 * deployer with its salt, so the address itself proves the init code), and a plain ERC-20. The
 * bytecode comes from evm/ (see evm/README.md for where each file comes from).
 */
import { readFileSync } from 'node:fs';
import { ContractFactory, getAddress, Interface, keccak256, type Signer } from 'ethers';
import { waitForReceipt, type AnvilChain } from './anvil.js';

export const PERMIT2_ADDRESS = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
export const X402_EXACT_PERMIT2_PROXY = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001';
/** Arachnid's deterministic deployment proxy, which x402's Deploy.s.sol deploys through. */
const CREATE2_DEPLOYER = '0x4e59b44847b379578588920cA78FbF26c0B4956C';
const CREATE2_DEPLOYER_CODE =
  '0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3';
/** x402's contracts/evm/script/Deploy.s.sol: EXACT_SALT and EXACT_INIT_CODE_HASH. */
const EXACT_SALT = '0x0000000000000000000000000000000000000000000000003000000007263b0e';
const EXACT_INIT_CODE_HASH = '0xe774d1d5a07218946ab54efe010b300481478b86861bb17d69c98a57f68a604c';

const evmDir = new URL('./evm/', import.meta.url);
const artifact = (file: string) =>
  JSON.parse(readFileSync(new URL(file, evmDir), 'utf8')) as { abi: unknown[]; bytecode: string };

export const PLAIN_TOKEN_ABI = new Interface([
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address,address) view returns (uint256)',
  'function approve(address,uint256) returns (bool)',
  'function mint(address,uint256)',
]);

async function sendFrom(anvil: AnvilChain, from: string, tx: { to?: string; data: string }): Promise<string> {
  const hash = await anvil.rpc<string>('eth_sendTransaction', [{ from, ...tx, gas: '0x1c9c380' }]);
  const receipt = (await waitForReceipt(anvil.rpcUrl, hash)) as { status?: string; contractAddress?: string };
  if (receipt.status !== '0x1') throw new Error(`deployment transaction ${hash} failed`);
  return receipt.contractAddress ?? '';
}

/**
 * Puts Permit2 and x402's exact Permit2 proxy at their canonical addresses. Permit2 is deployed
 * (anywhere) and its runtime code placed at the canonical address. Its EIP-712 domain is cached at
 * construction as two immutables — the chain id and the separator of the address it was built at —
 * and recomputed from `block.chainid` and `address(this)` whenever the chain id differs from the
 * cached one: the cached chain id is rewritten to 1 (Permit2's mainnet value, as its mainnet code
 * has it), so at the canonical address every domain it computes names that address, the one
 * clients sign for.
 */
export async function deployPermit2(anvil: AnvilChain): Promise<void> {
  const from = anvil.accounts[0]!.address;
  const built = await sendFrom(anvil, from, { data: artifact('permit2.json').bytecode });
  const runtime = await anvil.rpc<string>('eth_getCode', [built, 'latest']);
  // CHAINID (0x46) then PUSH32 <cached chain id>: the immutable's one use (`block.chainid == …`).
  const cached = `467f${anvil.chainId.toString(16).padStart(64, '0')}`;
  const uses = runtime.split(cached).length - 1;
  if (uses !== 1) throw new Error(`expected one cached chain id in Permit2's runtime code, found ${uses}`);
  const patched = runtime.replace(cached, `467f${'1'.padStart(64, '0')}`);
  await anvil.rpc('anvil_setCode', [PERMIT2_ADDRESS, patched]);

  if ((await anvil.rpc<string>('eth_getCode', [CREATE2_DEPLOYER, 'latest'])) === '0x')
    await anvil.rpc('anvil_setCode', [CREATE2_DEPLOYER, CREATE2_DEPLOYER_CODE]);
  const initCode = readFileSync(new URL('x402-exact-permit2-proxy.initcode.hex', evmDir), 'utf8').trim();
  if (keccak256(initCode) !== EXACT_INIT_CODE_HASH) throw new Error("the proxy init code is not x402's");
  await sendFrom(anvil, from, { to: CREATE2_DEPLOYER, data: EXACT_SALT + initCode.slice(2) });
  if ((await anvil.rpc<string>('eth_getCode', [X402_EXACT_PERMIT2_PROXY, 'latest'])) === '0x')
    throw new Error('x402ExactPermit2Proxy did not land at its canonical address');
}

export interface PlainToken {
  address: string;
  mint(to: string, amount: bigint): Promise<void>;
  balanceOf(owner: string): Promise<bigint>;
}

/** Deploys the plain ERC-20 (no EIP-2612, no EIP-3009), 6 decimals. */
export async function deployPlainToken(anvil: AnvilChain, deployer: Signer): Promise<PlainToken> {
  const { abi, bytecode } = artifact('plain-token.json');
  const contract = await new ContractFactory(abi as never, bytecode, deployer).deploy();
  await contract.waitForDeployment();
  const address = getAddress(await contract.getAddress());
  const call = (data: string) => anvil.rpc<string>('eth_call', [{ to: address, data }, 'latest']);
  return {
    address,
    async mint(to, amount) {
      await sendFrom(anvil, anvil.accounts[0]!.address, {
        to: address,
        data: PLAIN_TOKEN_ABI.encodeFunctionData('mint', [to, amount]),
      });
    },
    async balanceOf(owner) {
      return BigInt(await call(PLAIN_TOKEN_ABI.encodeFunctionData('balanceOf', [owner])));
    },
  };
}
