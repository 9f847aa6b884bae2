import { resolve } from 'node:path';
import type { Command } from 'commander';
import { getAddress, HDNodeWallet } from 'ethers';
import { lateGraceByNetwork } from '@turnpike/payment-portal';
import type { EvmNetwork } from '@turnpike/protocol';
import { UsageError } from '../errors.js';
import { parseAccount, evmAccountPath } from '../lib/account-path.js';
import { parseScanLimit } from '../lib/parse-options.js';
import { createEvmChainReader } from '../lib/evm-chain.js';
import { findReceiveAddresses } from '../lib/find-receive-addresses.js';
import { mapLimit } from '@turnpike/protocol/service';
import { planAddress, type OwedRefund } from '../lib/plan-address.js';
import { refundsByAddress } from '../lib/refunds-by-address.js';
import { loadPortalSettings } from '../lib/portal-settings.js';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import { scanHandedOut, type HandedOut } from '../lib/scan-handed-out.js';
import { SWEEP_PLAN_FORMAT, type PlannedAddress, type SweepPlan } from '../lib/sweep-plan-schema.js';
import { writeNewFile } from '../lib/write-new-file.js';
import { renderTable, toJson, type CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

const HARDENED = 0x8000_0000;
/** Balance reads in flight at once per network (each address costs 1 + tokens calls). */
const RPC_CONCURRENCY = 8;
export const DEFAULT_SCAN_LIMIT = 10_000;

/** The account path the xpub sits at: its own depth and child number when it is a BIP-44 account node. */
function accountPathOf(xpub: string, account: number | undefined): string {
  if (account !== undefined) return evmAccountPath(account);
  const node = HDNodeWallet.fromExtendedKey(xpub);
  if (node.depth === 3 && node.index >= HARDENED) return evmAccountPath(node.index - HARDENED);
  throw new UsageError(`the xpub is not at depth 3 (m/44'/60'/N'); give --account N`);
}

/**
 * `turnpike sweep plan --portal-config F --to 0x… --out plan.json`: every receive address of the
 * portal's xpub that a payment was recorded to and that holds funds now (real balances from the
 * configured watcher RPCs: native and each registry token), with its derivation path and the
 * unsigned transactions moving everything to --to, for `sweep sign` on an offline machine.
 * Nothing is signed or sent; the database is read read-only.
 */
export async function sweepPlan(
  io: CliIo,
  opts: {
    portalConfig: string;
    to: string;
    out: string;
    account?: number | undefined;
    scan?: boolean | undefined;
    scanLimit?: number | undefined;
    /** Also plan the refunds owed (`turnpike refunds list`) from the addresses holding them. */
    refunds?: boolean | undefined;
  },
): Promise<CommandResult> {
  let destination: string;
  try {
    destination = getAddress(opts.to);
  } catch {
    throw new UsageError(`--to is not an EVM address: "${opts.to}"`);
  }
  const settings = await loadPortalSettings(opts.portalConfig, io.env);
  if (settings.xpub === undefined)
    throw new UsageError(`${opts.portalConfig}: no wallets.evm.xpub, nothing to sweep`);
  const accountPath = accountPathOf(settings.xpub, opts.account);
  const networks = settings.registry.list().filter((n): n is EvmNetwork => n.kind === 'evm');
  const notes: string[] = [
    'Token transfers are signed first, the native sweep last (nonce order); broadcast in that order.',
    'An address flagged needsGas cannot pay for its token transfers: send it gasShortfallWei of the native asset first.',
    'The native sweep pays gas at maxFeePerGas; what the chain charges less stays on the address as dust.',
  ];
  const xpub = settings.xpub;
  const { found, foreign, scanned, owed } = await withReadOnlyDatabase(io, async (db) => {
    const recorded = await findReceiveAddresses(
      db,
      xpub,
      networks.map((n) => n.name),
    );
    const limit = opts.scanLimit ?? DEFAULT_SCAN_LIMIT;
    return {
      ...recorded,
      scanned: opts.scan ? await scanHandedOut(db, xpub, limit) : undefined,
      owed: opts.refunds
        ? await refundsByAddress(db, settings.registry, recorded.found, lateGraceByNetwork(settings.watchers))
        : undefined,
    };
  });
  if (owed !== undefined) notes.push(...owed.notes);
  notes.push(...(scanned?.capped ?? []));
  for (const f of foreign)
    notes.push(`${f.network} ${f.address}: not derived from this xpub (another wallet?); not planned`);
  const addresses: PlannedAddress[] = [];
  for (const network of networks) {
    const here: HandedOut[] = found.filter((a) => a.network === network.name);
    for (const a of scanned?.addresses ?? []) if (!here.some((h) => h.address === a.address)) here.push(a);
    if (here.length === 0) continue;
    const watcher = settings.watchers[network.name];
    if (watcher === undefined) {
      notes.push(
        `${network.name}: no watchers.${network.name}.rpcUrls in the config; ${here.length} address(es) not planned`,
      );
      continue;
    }
    const chain = createEvmChainReader(network.name, watcher.rpcUrls, watcher.rpcTimeoutMs);
    const chainId = await chain.chainId();
    if (chainId !== BigInt(network.chainId))
      throw new UsageError(
        `${network.name}: the RPC serves chain id ${chainId}, the registry says ${network.chainId}`,
      );
    const fees = await chain.fees();
    const planned = await mapLimit(here, RPC_CONCURRENCY, (entry) =>
      planAddress(chain, network, entry, {
        destination,
        accountPath,
        fees,
        refunds: owed?.byAddress.get(`${network.name}:${entry.address}`) ?? ([] as OwedRefund[]),
        notes,
      }),
    );
    for (const p of planned) if (p !== null) addresses.push(p);
  }
  const plan: SweepPlan = {
    format: SWEEP_PLAN_FORMAT,
    createdAt: new Date().toISOString(),
    xpub: settings.xpub,
    accountPath,
    destination,
    addresses,
    notes,
  };
  const file = resolve(opts.out);
  await writeNewFile(file, `${toJson(plan)}\n`, 0o644);
  const refundCount = addresses.reduce((n, a) => n + a.transactions.filter((t) => t.refund).length, 0);
  const text = [
    `wrote ${file}: ${addresses.length} funded address(es), ${addresses.reduce((n, a) => n + a.transactions.length, 0)} transaction(s) to sign${opts.refunds ? `, ${refundCount} of them refunds` : ''}`,
    renderTable(
      ['NETWORK', 'ADDRESS', 'PATH', 'BALANCES', 'NEEDS GAS'],
      addresses.map((a) => [
        a.network,
        a.address,
        a.fullPath,
        a.balances.map((b) => `${b.amount} ${b.symbol}`).join(', '),
        a.needsGas ? `yes (${a.gasShortfallWei} wei)` : 'no',
      ]),
    ),
    ...notes.map((n) => `note: ${n}`),
    `next, on the machine holding the mnemonic: turnpike sweep sign ${file} --mnemonic-file <file> --out signed.json`,
  ].join('\n');
  return { data: { file, plan }, text };
}

export function registerSweepPlan(parent: Command, ctx: CommandContext): void {
  parent
    .command('plan')
    .description('list funded receive addresses and write the unsigned sweep transactions to a file')
    .requiredOption('--portal-config <file>', "the portal's config (xpub, networks, watcher RPCs)")
    .requiredOption('--to <address>', 'destination address of every transfer')
    .requiredOption('--out <file>', 'plan file to write (must not exist)')
    .option('--account <n>', "the xpub's BIP-44 account, when the xpub does not say it", parseAccount)
    .option('--scan', 'also check every address ever handed out (below the index cursors), recorded or not')
    .option('--refunds', 'first send the refunds owed (turnpike refunds list) back to their payers')
    .option(
      '--scan-limit <n>',
      'with --scan, at most this many newest indexes per branch',
      parseScanLimit,
      DEFAULT_SCAN_LIMIT,
    )
    .action(
      ctx.handle(
        (opts: {
          portalConfig: string;
          to: string;
          out: string;
          account?: number;
          scan?: boolean;
          scanLimit: number;
          refunds?: boolean;
        }) => sweepPlan(ctx.io, opts),
      ),
    );
}
