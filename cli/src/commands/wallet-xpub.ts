import type { Command } from 'commander';
import { HDNodeWallet } from 'ethers';
import { ADDRESS_BRANCH, createXpubDeriver } from '@turnpike/payment-portal';
import { evmAccountPath, parseAccount } from '../lib/account-path.js';
import { readMnemonic } from '../lib/read-mnemonic.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/** Addresses shown as a check against the wallet app (the pool's first few, <xpub>/0/i). */
const SAMPLE_ADDRESSES = 3;

/**
 * `turnpike wallet xpub`: the account xpub for `wallets.evm.xpub`, from a BIP-39 mnemonic read from
 * a file or stdin (never printed). The portal derives every receive address from it with public
 * (non-hardened) steps only, under three branches (payment-portal/src/addresses/xpub-deriver.ts):
 * `<xpub>/0/i` pay-page invoices, `<xpub>/1/hi/lo` API challenges, `<xpub>/2/0` x402 settlements.
 */
export async function walletXpub(
  io: CliIo,
  opts: { mnemonicFile?: string | undefined; account: number },
): Promise<CommandResult> {
  const mnemonic = await readMnemonic(io, opts.mnemonicFile);
  const path = evmAccountPath(opts.account);
  const xpub = HDNodeWallet.fromMnemonic(mnemonic, path).neuter().extendedKey;
  // The portal's own deriver: the addresses it will hand out, for comparison with the wallet app.
  const deriver = createXpubDeriver(xpub);
  const pool = Array.from({ length: SAMPLE_ADDRESSES }, (_, i) => ({
    path: `${path}/${ADDRESS_BRANCH.pool}/${i}`,
    address: deriver.address([ADDRESS_BRANCH.pool, i]),
  }));
  const x402 = {
    path: `${path}/${ADDRESS_BRANCH.x402}/0`,
    address: deriver.address([ADDRESS_BRANCH.x402, 0]),
  };
  const warnings: string[] = [];
  if (opts.account === 0)
    warnings.push(
      `account 0 (${path}) is the default account of personal wallets (MetaMask, Ledger, Trezor): ` +
        "its addresses are the ones you already use, and the portal's receive addresses would mix with " +
        'your own funds. Use a seed kept for Turnpike alone, or --account 1 (or higher) on this one.',
    );
  const text = [
    `path:  ${path}   (BIP-44: purpose 44', coin 60' = Ethereum and every EVM chain, account ${opts.account}')`,
    `xpub:  ${xpub}`,
    '',
    'Put it in the portal config (public data, safe to commit):',
    '  wallets:',
    '    evm:',
    `      xpub: ${xpub}`,
    '',
    'The portal derives, watch-only, with public steps below this account:',
    `  ${path}/0/i        pay-page invoices (what wallet apps show as this account's addresses)`,
    `  ${path}/1/hi/lo    API challenges (index hi*2^31 + lo)`,
    `  ${path}/2/0        x402 settlements (one address)`,
    '',
    'First pay-page addresses (compare with your wallet app):',
    ...pool.map((a) => `  ${a.path}  ${a.address}`),
    `x402 address: ${x402.path}  ${x402.address}`,
    'Solana needs no key here: wallets.solana.address is your own wallet public key (docs/solana.md).',
  ].join('\n');
  return {
    data: { path, account: opts.account, xpub, poolAddresses: pool, x402Address: x402 },
    text,
    warnings,
  };
}

export function registerWalletXpub(parent: Command, ctx: CommandContext): void {
  parent
    .command('xpub')
    .description('derive the account xpub for wallets.evm.xpub from a BIP-39 mnemonic (file or stdin)')
    .option('--mnemonic-file <file>', 'file holding the mnemonic (default: read standard input)')
    .option('--account <n>', "BIP-44 account number: m/44'/60'/<n>'", parseAccount, 1)
    .action(
      ctx.handle((opts: { mnemonicFile?: string; account: number }) =>
        walletXpub(ctx.io, { mnemonicFile: opts.mnemonicFile, account: opts.account }),
      ),
    );
}
