import { Interface } from 'ethers';

const ERC20 = new Interface([
  'function balanceOf(address owner) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
]);

/** Calldata of `balanceOf(owner)`. */
export function balanceOfData(owner: string): string {
  return ERC20.encodeFunctionData('balanceOf', [owner]);
}

/** Calldata of `transfer(to, amount)`: how a token sweep moves the whole balance. */
export function transferData(to: string, amount: bigint): string {
  return ERC20.encodeFunctionData('transfer', [to, amount]);
}
