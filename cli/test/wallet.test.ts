import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet } from 'ethers';
import { DEV_MNEMONIC } from '../../tests/support/anvil.js';
import { DEV_RECEIVE_XPUB } from '../../deploy/dev/portal-config.js';
import { turnpike } from './support/run-turnpike.js';

interface XpubOut {
  path: string;
  xpub: string;
  poolAddresses: Array<{ path: string; address: string }>;
  x402Address: { path: string; address: string };
  warnings?: string[];
}

describe('turnpike wallet xpub', () => {
  let dir: string;
  let mnemonicFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'turnpike-wallet-'));
    mnemonicFile = join(dir, 'mnemonic');
    await writeFile(mnemonicFile, `  ${DEV_MNEMONIC}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("derives the account xpub the dev stack's portal uses (m/44'/60'/1'), from a file", async () => {
    const run = await turnpike([
      'wallet',
      'xpub',
      '--mnemonic-file',
      mnemonicFile,
      '--account',
      '1',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const out = run.json<XpubOut>();
    expect(out.path).toBe("m/44'/60'/1'");
    expect(out.xpub).toBe(DEV_RECEIVE_XPUB);
    expect(out.warnings).toBeUndefined();
    // The addresses the portal derives from the xpub are the ones the seed's private keys control.
    for (const a of [...out.poolAddresses, out.x402Address])
      expect(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, a.path).address.toLowerCase()).toBe(a.address);
    expect(out.x402Address.path).toBe("m/44'/60'/1'/2/0");
  });

  it('reads standard input, defaults to account 1, and never prints the mnemonic', async () => {
    const run = await turnpike(['wallet', 'xpub'], { stdin: DEV_MNEMONIC });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(DEV_RECEIVE_XPUB);
    expect(run.stdout + run.stderr).not.toContain('test test');
    expect(run.stdout).toContain("m/44'/60'/1'/0/i");
  });

  it("warns loudly on account 0, a personal wallet's default", async () => {
    const run = await turnpike(['wallet', 'xpub', '--mnemonic-file', mnemonicFile, '--account', '0']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^WARNING: account 0 \(m\/44'\/60'\/0'\) is the default account of personal wallets/m,
    );
    const json = await turnpike([
      'wallet',
      'xpub',
      '--mnemonic-file',
      mnemonicFile,
      '--account',
      '0',
      '--json',
    ]);
    expect(json.json<XpubOut>().warnings?.[0]).toContain('account 0');
    expect(json.stderr).toContain('WARNING: account 0');
  });

  it('refuses a bad checksum, an empty input and a bad account (exit 2)', async () => {
    const bad = await turnpike(['wallet', 'xpub', '--json'], {
      stdin: DEV_MNEMONIC.replace(/junk$/, 'test'),
    });
    expect(bad.code).toBe(2);
    expect(bad.json<{ error: { code: string; message: string } }>().error.code).toBe('mnemonic_invalid');
    expect(bad.stdout).not.toContain('test test');
    const empty = await turnpike(['wallet', 'xpub'], { stdin: '' });
    expect(empty.code).toBe(2);
    const account = await turnpike(['wallet', 'xpub', '--account', '-1'], { stdin: DEV_MNEMONIC });
    expect(account.code).toBe(2);
  });
});
