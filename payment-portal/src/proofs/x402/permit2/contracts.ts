import { Interface } from 'ethers';

/** The canonical Permit2 contract (the same address on every EVM chain). */
export const PERMIT2_ADDRESS = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
/**
 * x402's `x402ExactPermit2Proxy` (CREATE2, the same address on every chain): the spender every
 * x402 Permit2 signature names, which sends the tokens only to the signed `witness.to`.
 */
export const X402_EXACT_PERMIT2_PROXY = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001';

/** The EIP-712 types of x402's exact Permit2 witness transfer (x402ExactPermit2Proxy). */
export const PERMIT_WITNESS_TRANSFER_TYPES = {
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'Witness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
  Witness: [
    { name: 'to', type: 'address' },
    { name: 'validAfter', type: 'uint256' },
  ],
};

export const PERMIT2_ABI = new Interface([
  'function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)',
]);
export const ERC20_READ_ABI = new Interface([
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
]);
export const EXACT_PERMIT2_PROXY_ABI = new Interface([
  'function settle(((address token, uint256 amount) permitted, uint256 nonce, uint256 deadline) permit, address owner, (address to, uint256 validAfter) witness, bytes signature)',
]);
