import { stat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HDNodeWallet, Mnemonic, Wallet } from 'ethers';
import { DEV_MNEMONIC, jsonRpc, sendNative, waitForReceipt } from '../../tests/support/anvil.js';
import { createXpubDeriver } from '@turnpike/payment-portal';
import { leaseChallengeAddresses } from '../../payment-portal/src/challenges/lease-addresses.js';
import { DEV_XPUB } from '../../payment-portal/test/support/chain-fixture.js';
import type { PlannedAddress, SweepPlan } from '../src/lib/sweep-plan-schema.js';
import { ETH_PAID_WEI, USDC_PAID_ATOMIC, startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

interface Signed {
  transactions: Array<{
    from: string;
    nonce: number;
    kind: string;
    raw: string;
    hash: string;
    needsGas: boolean;
    gasShortfallWei: string;
  }>;
}

describe('turnpike sweep plan / sign (real PostgreSQL, anvil, Circle USDC)', () => {
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;
  const destination = Wallet.createRandom().address;
  let plan: SweepPlan;
  let usdcEntry: PlannedAddress;
  let ethEntry: PlannedAddress;
  beforeAll(async () => {
    ledger = await startLedger();
    env = { DATABASE_URL: ledger.databaseUrl };
  });
  afterAll(() => ledger?.close());

  const planFile = (): string => join(ledger.dir, 'plan.json');
  const signedFile = (): string => join(ledger.dir, 'signed.json');
  const balance = async (address: string): Promise<bigint> =>
    BigInt(await jsonRpc<string>(ledger.chain.anvil.rpcUrl, 'eth_getBalance', [address, 'latest']));

  it('plans every funded receive address with its derivation path, balances and unsigned transactions', async () => {
    const run = await turnpike(
      [
        'sweep',
        'plan',
        '--portal-config',
        ledger.portalConfigFile,
        '--to',
        destination,
        '--out',
        planFile(),
        '--json',
      ],
      { env },
    );
    expect(run.code).toBe(0);
    plan = JSON.parse(await readFile(planFile(), 'utf8')) as SweepPlan;
    expect(plan.accountPath).toBe("m/44'/60'/1'");
    expect(plan.destination).toBe(destination);
    const usdcAddress = ledger.usdcInvoice.offers[0]!.payTo;
    const ethAddress = ledger.ethInvoice.offers[0]!.payTo;
    expect(plan.addresses.map((a) => a.address).sort()).toEqual([usdcAddress, ethAddress].sort());
    // The unpaid invoice's address holds nothing and is not planned.
    expect(plan.addresses.map((a) => a.address)).not.toContain(ledger.unpaidInvoice.offers[0]!.payTo);
    usdcEntry = plan.addresses.find((a) => a.address === usdcAddress)!;
    ethEntry = plan.addresses.find((a) => a.address === ethAddress)!;
    // The path is the wallet's own: the private key at that full path controls the address.
    for (const entry of plan.addresses) {
      expect(entry.fullPath).toMatch(/^m\/44'\/60'\/1'\/0\/\d+$/);
      expect(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, entry.fullPath).address.toLowerCase()).toBe(
        entry.address,
      );
      expect(entry.chainId).toBe(31337);
    }
    expect(usdcEntry.balances.find((b) => b.symbol === 'USDC')).toMatchObject({
      atomic: USDC_PAID_ATOMIC.toString(),
      amount: '1.5',
    });
    expect(usdcEntry.needsGas).toBe(true);
    expect(BigInt(usdcEntry.gasShortfallWei)).toBeGreaterThan(0n);
    expect(usdcEntry.transactions.map((t) => t.kind)).toEqual(['erc20']);
    expect(ethEntry.needsGas).toBe(false);
    const native = ethEntry.transactions[0]!;
    expect(native.kind).toBe('native');
    expect(BigInt(native.value)).toBe(ETH_PAID_WEI - BigInt(native.gasLimit) * BigInt(native.maxFeePerGas));
    expect(run.json<{ plan: SweepPlan }>().plan.addresses).toHaveLength(2);
    const text = await turnpike(
      [
        'sweep',
        'plan',
        '--portal-config',
        ledger.portalConfigFile,
        '--to',
        destination,
        '--out',
        join(ledger.dir, 'text-plan.json'),
      ],
      { env },
    );
    expect(text.stdout).toContain('2 funded address(es), 2 transaction(s) to sign');
    expect(text.stdout).toContain(`${usdcEntry.fullPath}  0 ETH, 1.5 USDC`);
  });

  it('refuses to overwrite an existing plan (exit 4)', async () => {
    const run = await turnpike(
      ['sweep', 'plan', '--portal-config', ledger.portalConfigFile, '--to', destination, '--out', planFile()],
      { env },
    );
    expect(run.code).toBe(4);
  });

  it('refuses a mnemonic that is not the plan wallet (exit 4), and a tampered transaction (exit 4)', async () => {
    const other = join(ledger.dir, 'other-mnemonic.txt');
    await writeFile(other, Mnemonic.fromEntropy(Buffer.alloc(16, 7)).phrase);
    const wrong = await turnpike([
      'sweep',
      'sign',
      planFile(),
      '--mnemonic-file',
      other,
      '--out',
      join(ledger.dir, 'x.json'),
      '--json',
    ]);
    expect(wrong.code).toBe(4);
    expect(wrong.json<{ error: { code: string } }>().error.code).toBe('plan_mismatch');

    const tampered = structuredClone(plan);
    tampered.addresses.find((a) => a.address === ethEntry.address)!.transactions[0]!.to =
      Wallet.createRandom().address;
    const tamperedFile = join(ledger.dir, 'tampered.json');
    await writeFile(tamperedFile, JSON.stringify(tampered));
    const run = await turnpike([
      'sweep',
      'sign',
      tamperedFile,
      '--mnemonic-file',
      ledger.mnemonicFile,
      '--out',
      join(ledger.dir, 'y.json'),
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('plan_mismatch');
  });

  it('signs from the mnemonic without sending; the raw transactions move every balance once broadcast', async () => {
    const run = await turnpike([
      'sweep',
      'sign',
      planFile(),
      '--mnemonic-file',
      ledger.mnemonicFile,
      '--out',
      signedFile(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('test test');
    expect((await stat(signedFile())).mode & 0o777).toBe(0o600);
    const signed = JSON.parse(await readFile(signedFile(), 'utf8')) as Signed;
    expect(signed.transactions).toHaveLength(2);
    // Nothing was sent.
    expect(await balance(destination)).toBe(0n);
    expect(await ledger.chain.usdc.balanceOf(destination)).toBe(0n);

    // The USDC address needs gas first, as the plan says.
    const needy = signed.transactions.find((t) => t.needsGas)!;
    await sendNative(
      ledger.chain.anvil.rpcUrl,
      ledger.chain.payer,
      needy.from,
      BigInt(needy.gasShortfallWei),
    );
    for (const tx of signed.transactions) {
      const hash = await jsonRpc<string>(ledger.chain.anvil.rpcUrl, 'eth_sendRawTransaction', [tx.raw]);
      expect(hash).toBe(tx.hash);
      expect((await waitForReceipt(ledger.chain.anvil.rpcUrl, hash)).status).toBe('0x1');
    }
    expect(await ledger.chain.usdc.balanceOf(destination)).toBe(USDC_PAID_ATOMIC);
    expect(await ledger.chain.usdc.balanceOf(usdcEntry.address)).toBe(0n);
    const swept = BigInt(ethEntry.transactions[0]!.value);
    expect(await balance(destination)).toBe(swept);
    // What stays behind is at most the unspent part of the fee cap.
    const dust = await balance(ethEntry.address);
    expect(dust).toBeLessThan(
      BigInt(ethEntry.transactions[0]!.gasLimit) * BigInt(ethEntry.transactions[0]!.maxFeePerGas),
    );
  });
});

describe('turnpike sweep plan --scan (addresses handed out but never recorded)', () => {
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(() => ledger?.close());

  it('finds a challenge address paid but never presented only when scanning below the cursor', async () => {
    // An authorizer leases challenge addresses (the cursor moves); a client pays one and never retries.
    const lease = await leaseChallengeAddresses(ledger.core.db, createXpubDeriver(DEV_XPUB), 4);
    const paid = lease.addresses[2]!.toLowerCase();
    await ledger.chain.usdc.transfer(ledger.chain.payer, paid, 250_000n);
    const env = { DATABASE_URL: ledger.databaseUrl };
    const destination = Wallet.createRandom().address;
    const plan = async (file: string, ...extra: string[]): Promise<SweepPlan> => {
      const args = [
        'sweep',
        'plan',
        '--portal-config',
        ledger.portalConfigFile,
        '--to',
        destination,
        '--out',
      ];
      const run = await turnpike([...args, join(ledger.dir, file), ...extra], { env });
      expect(run.code).toBe(0);
      return JSON.parse(await readFile(join(ledger.dir, file), 'utf8')) as SweepPlan;
    };
    expect((await plan('recorded.json')).addresses.map((a) => a.address)).not.toContain(paid);
    const scanned = await plan('scanned.json', '--scan');
    const entry = scanned.addresses.find((a) => a.address === paid)!;
    expect(entry.path).toBe(`1/0/${lease.first + 2}`);
    expect(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, entry.fullPath).address.toLowerCase()).toBe(paid);
    expect(entry.balances.find((b) => b.symbol === 'USDC')?.atomic).toBe('250000');
    // The recorded ones are still there, once each.
    expect(scanned.addresses).toHaveLength(3);
  });
});
