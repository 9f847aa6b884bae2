// The sign-in-with-x EVM verifier on a real chain (anvil): an EOA signature recovers its address;
// for a contract address, ERC-1271 `isValidSignature` decides. The two wallet contracts are
// minimal runtime bytecode placed with anvil_setCode: one answers the ERC-1271 magic value to
// every call (a wallet that accepts the signature), one answers zero (a wallet that refuses it).
import { Wallet } from 'ethers';
import { startAnvil, type AnvilChain } from '../../../tests/support/anvil.js';
import { readsFor } from '../../src/proofs/evm/chain-reads.js';
import { evmMessageVerifier } from '../../src/proofs/x402/siwx/evm-message-verifier.js';

// PUSH4 0x1626ba7e PUSH1 0xe0 SHL PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
const ACCEPTING_WALLET = '0x631626ba7e60e01b60005260206000f3';
// PUSH1 0x20 PUSH1 0 RETURN: 32 zero bytes
const REFUSING_WALLET = '0x60206000f3';
const ACCEPTING = '0x00000000000000000000000000000000000a1271';
const REFUSING = '0x00000000000000000000000000000000000b1271';
const MESSAGE = 'shop.test wants you to sign in with your Ethereum account:';

let anvil: AnvilChain;
beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  await anvil.rpc('anvil_setCode', [ACCEPTING, ACCEPTING_WALLET]);
  await anvil.rpc('anvil_setCode', [REFUSING, REFUSING_WALLET]);
}, 60_000);
afterAll(async () => {
  await anvil?.stop();
});

const verifier = () => evmMessageVerifier(readsFor({}, 'anvil', [anvil.rpcUrl], 3_000));

describe('sign-in-with-x: EIP-191 and ERC-1271 signatures', () => {
  it("an EOA's signature verifies for its address and no other", async () => {
    const wallet = Wallet.createRandom();
    const signature = (await wallet.signMessage(MESSAGE)) as `0x${string}`;
    const verify = verifier();
    expect(await verify({ address: wallet.address as `0x${string}`, message: MESSAGE, signature })).toBe(
      true,
    );
    const other = Wallet.createRandom().address as `0x${string}`;
    expect(await verify({ address: other, message: MESSAGE, signature })).toBe(false);
  });

  it('a smart wallet decides by ERC-1271: accepted when it answers the magic value, refused otherwise', async () => {
    const verify = verifier();
    const signature = '0x1234' as const;
    expect(await verify({ address: ACCEPTING, message: MESSAGE, signature })).toBe(true);
    expect(await verify({ address: REFUSING, message: MESSAGE, signature })).toBe(false);
  });

  it('a chain that cannot be read is an RpcError (nothing decided), never a verdict on the signature', async () => {
    const verify = evmMessageVerifier(readsFor({}, 'anvil', ['http://127.0.0.1:1'], 500));
    await expect(verify({ address: ACCEPTING, message: MESSAGE, signature: '0x1234' })).rejects.toMatchObject(
      {
        name: 'RpcError',
        code: 'rpc_unavailable',
      },
    );
  });

  it('without an RPC endpoint for the chain, only an EOA signature can pass', async () => {
    const verify = evmMessageVerifier(undefined);
    expect(await verify({ address: ACCEPTING, message: MESSAGE, signature: '0x1234' })).toBe(false);
  });
});
