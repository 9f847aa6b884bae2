import { resolve } from 'node:path';
import type { Command } from 'commander';
import { getAddress, HDNodeWallet, Transaction } from 'ethers';
import { PlanMismatchError } from '../errors.js';
import { transferData } from '../lib/erc20-calls.js';
import { readMnemonic } from '../lib/read-mnemonic.js';
import { readPlan } from '../lib/read-plan.js';
import {
  SWEEP_SIGNED_FORMAT,
  type PlannedAddress,
  type PlannedTransaction,
} from '../lib/sweep-plan-schema.js';
import { writeNewFile } from '../lib/write-new-file.js';
import { renderTable, toJson, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/**
 * What a planned transaction must be, rebuilt from its meaning (kind, asset, amount, destination)
 * rather than trusted as given: a tampered `to`, `value` or `data` is refused, not signed.
 */
function checkTransaction(where: string, tx: PlannedTransaction, destination: string, chainId: number): void {
  // A refund goes back to its payer (shown in the output for review); everything else to the destination.
  const recipient = tx.refund === undefined ? destination : getAddress(tx.refund.to);
  const expected =
    tx.kind === 'native'
      ? { to: recipient, value: tx.amountAtomic, data: '0x' }
      : { to: getAddress(tx.asset), value: '0', data: transferData(recipient, BigInt(tx.amountAtomic)) };
  if (
    getAddress(tx.to) !== expected.to ||
    tx.value !== expected.value ||
    tx.data.toLowerCase() !== expected.data.toLowerCase()
  )
    throw new PlanMismatchError(
      `${where}: the transaction does not send ${tx.amount} ${tx.symbol} to ${recipient}`,
    );
  if (tx.chainId !== chainId)
    throw new PlanMismatchError(`${where}: chain id ${tx.chainId} differs from the address's ${chainId}`);
}

/** The child key at the planned path, refused unless it is the planned address. */
function keyFor(account: HDNodeWallet, entry: PlannedAddress): HDNodeWallet {
  const key = account.derivePath(entry.path);
  if (key.address.toLowerCase() !== entry.address.toLowerCase())
    throw new PlanMismatchError(
      `${entry.fullPath} derives ${key.address}, the plan says ${entry.address}`,
      'the plan was made for another wallet or edited',
    );
  return key;
}

/**
 * `turnpike sweep sign plan.json --mnemonic-file F --out signed.json`: derives each address's key
 * from the mnemonic, checks it is the planned address (and that the mnemonic gives the plan's
 * xpub), checks every transaction against its stated meaning, signs, and writes the raw signed
 * transactions (mode 0600). Never sends anything: broadcast them with any node or wallet.
 */
export async function sweepSign(
  io: CliIo,
  planFile: string,
  opts: { mnemonicFile?: string | undefined; out: string },
): Promise<CommandResult> {
  const plan = await readPlan(resolve(planFile));
  const mnemonic = await readMnemonic(io, opts.mnemonicFile);
  const account = HDNodeWallet.fromMnemonic(mnemonic, plan.accountPath);
  if (account.neuter().extendedKey !== plan.xpub)
    throw new PlanMismatchError(
      `the mnemonic's ${plan.accountPath} is not the plan's xpub`,
      "use the mnemonic whose xpub is in the portal's wallets.evm.xpub",
    );
  const destination = getAddress(plan.destination);
  const signed = [];
  for (const entry of plan.addresses) {
    const key = keyFor(account, entry);
    for (const tx of entry.transactions) {
      const where = `${entry.network} ${entry.address} nonce ${tx.nonce}`;
      checkTransaction(where, tx, destination, entry.chainId);
      const raw = await key.signTransaction({
        type: 2,
        chainId: tx.chainId,
        nonce: tx.nonce,
        to: tx.to,
        value: BigInt(tx.value),
        data: tx.data,
        gasLimit: BigInt(tx.gasLimit),
        maxFeePerGas: BigInt(tx.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
      });
      signed.push({
        network: entry.network,
        chainId: tx.chainId,
        from: getAddress(entry.address),
        path: entry.fullPath,
        kind: tx.kind,
        asset: tx.asset,
        symbol: tx.symbol,
        amountAtomic: tx.amountAtomic,
        amount: tx.amount,
        to: tx.refund === undefined ? destination : getAddress(tx.refund.to),
        refund: tx.refund ?? null,
        nonce: tx.nonce,
        needsGas: entry.needsGas,
        gasShortfallWei: entry.gasShortfallWei,
        hash: Transaction.from(raw).hash as string,
        raw,
      });
    }
  }
  const file = resolve(opts.out);
  const document = {
    format: SWEEP_SIGNED_FORMAT,
    createdAt: new Date().toISOString(),
    destination,
    transactions: signed,
  };
  await writeNewFile(file, `${toJson(document)}\n`, 0o600);
  const text = [
    `wrote ${file}: ${signed.length} signed transaction(s), nothing sent`,
    renderTable(
      ['NETWORK', 'FROM', 'NONCE', 'SENDS', 'TO', 'NEEDS GAS', 'HASH'],
      signed.map((s) => [
        s.network,
        s.from,
        String(s.nonce),
        `${s.amount} ${s.symbol}`,
        s.refund === null ? s.to : `${s.to} (refund, invoice ${s.refund.invoiceId})`,
        s.needsGas ? 'yes' : 'no',
        s.hash,
      ]),
    ),
    'Broadcast each `raw` in nonce order per address (eth_sendRawTransaction, e.g. `cast publish <raw>`);',
    'for an address that needs gas, first send it gasShortfallWei of the native asset.',
  ].join('\n');
  return { data: { file, transactions: signed.map(({ raw: _raw, ...rest }) => rest) }, text };
}

export function registerSweepSign(parent: Command, ctx: CommandContext): void {
  parent
    .command('sign')
    .description('sign a sweep plan offline from the mnemonic; writes raw transactions, sends nothing')
    .argument('<plan>', 'plan file from `turnpike sweep plan`')
    .option('--mnemonic-file <file>', 'file holding the mnemonic (default: read standard input)')
    .requiredOption('--out <file>', 'signed transactions file to write (must not exist; mode 0600)')
    .action(
      ctx.handle((plan: string, opts: { mnemonicFile?: string; out: string }) =>
        sweepSign(ctx.io, plan, { mnemonicFile: opts.mnemonicFile, out: opts.out }),
      ),
    );
}
