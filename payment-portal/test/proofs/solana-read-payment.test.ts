import { REASONS } from '@turnpike/protocol';
import {
  isBase58OfLength,
  newSolanaReference,
  readSolanaPayment,
  solanaTxSchema,
} from '../../src/proofs/solana/index.js';

// Balance arithmetic on getTransaction answers in the RPC's json shape (as @solana/kit returns
// them: integers as bigints). The shapes are those of Solana's RPC documentation; the accounts are
// made up. End-to-end cases on real transactions are in solana-verifier.int.test.ts.
const PAYER = '9cwyMKBFo1B7BYHULwwZntKQr2BRng6VVYkwmKsy1g8v';
const MERCHANT = 'AAYBEzR5LJW7m8pYjpvzqrvXCxABN8wUW6jjANwzEY4Z';
const MERCHANT_ATA = '7u5BbiKFT4aCBFkiwh6hdS2ndC3uSn9QYcpbWHZiRiVY';
const MERCHANT_ATA2 = 'Cw5brwZ5TjpSvnfyWJcMdjKXqQ5XZHVC7Sd8Bk69ZaGf';
const PAYER_ATA = '3f5sZkJ6Z5m4LhPDvzR4mAu6LfGkXbN5pGJRp5gRdQ3o';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const OTHER = 'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const REF = '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T';

const bal = (accountIndex: number, mint: string, owner: string, amount: bigint) => ({
  accountIndex: BigInt(accountIndex),
  mint,
  owner,
  programId: TOKEN,
  uiTokenAmount: {
    amount: amount.toString(),
    decimals: 6n,
    uiAmount: Number(amount) / 1e6,
    uiAmountString: String(Number(amount) / 1e6),
  },
});

function tx(
  meta: Record<string, unknown>,
  keys = [PAYER, PAYER_ATA, MERCHANT_ATA, MERCHANT, REF, USDC, TOKEN],
  loaded?: { writable: string[]; readonly: string[] },
) {
  return solanaTxSchema.parse({
    slot: 42n,
    blockTime: 1_700_000_000n,
    transaction: { signatures: ['sig'], message: { accountKeys: keys } },
    meta: {
      err: null,
      fee: 5000n,
      preBalances: keys.map(() => 1_000_000n),
      postBalances: keys.map(() => 1_000_000n),
      ...(loaded ? { loadedAddresses: loaded } : {}),
      ...meta,
    },
  });
}

const spl = { payTo: MERCHANT, assetKind: 'spl' as const, mint: USDC };
const sol = { payTo: MERCHANT, assetKind: 'native' as const, mint: null };

describe('readSolanaPayment', () => {
  it('counts an SPL transfer into an account created in the same transaction (no pre entry)', () => {
    const r = readSolanaPayment(
      tx({
        preTokenBalances: [bal(1, USDC, PAYER, 5_000_000n)],
        postTokenBalances: [bal(1, USDC, PAYER, 3_500_000n), bal(2, USDC, MERCHANT, 1_500_000n)],
      }),
      spl,
    );
    expect(r).toEqual({ ok: true, amount: 1_500_000n, payer: PAYER });
  });

  it('sums every token account the wallet owns for the mint, and nets out what left it', () => {
    const keys = [PAYER, PAYER_ATA, MERCHANT_ATA, MERCHANT_ATA2, MERCHANT, REF];
    const r = readSolanaPayment(
      tx(
        {
          preTokenBalances: [bal(2, USDC, MERCHANT, 10n), bal(3, USDC, MERCHANT, 100n)],
          postTokenBalances: [bal(2, USDC, MERCHANT, 1_000_010n), bal(3, USDC, MERCHANT, 50n)],
        },
        keys,
      ),
      spl,
    );
    expect(r).toEqual({ ok: true, amount: 999_950n, payer: PAYER });
  });

  it('refuses another mint sent to the wallet, and a transfer to someone else', () => {
    const other = readSolanaPayment(
      tx({ preTokenBalances: [], postTokenBalances: [bal(2, OTHER, MERCHANT, 1_500_000n)] }),
      spl,
    );
    expect(other).toMatchObject({ ok: false, reason: REASONS.PAYMENT_WRONG_ASSET });
    const elsewhere = readSolanaPayment(
      tx({ preTokenBalances: [], postTokenBalances: [bal(2, USDC, PAYER, 1_500_000n)] }),
      spl,
    );
    expect(elsewhere).toMatchObject({ ok: false, reason: REASONS.PAYMENT_WRONG_RECIPIENT });
    const solForToken = readSolanaPayment(
      tx({
        postBalances: [1_000_000n, 1_000_000n, 1_000_000n, 9_000_000n, 1_000_000n, 1_000_000n, 1_000_000n],
      }),
      spl,
    );
    expect(solForToken).toMatchObject({ ok: false, reason: REASONS.PAYMENT_WRONG_ASSET });
  });

  it('reads SOL from the lamport balances of payTo, including keys loaded from a lookup table', () => {
    const direct = readSolanaPayment(
      tx({ preBalances: [9n, 0n], postBalances: [4n, 5n] }, [PAYER, MERCHANT]),
      sol,
    );
    expect(direct).toEqual({ ok: true, amount: 5n, payer: PAYER });
    // Balances are indexed accountKeys ++ loaded.writable ++ loaded.readonly.
    const viaTable = readSolanaPayment(
      tx({ preBalances: [9n, 0n, 100n], postBalances: [4n, 0n, 105n] }, [PAYER, REF], {
        writable: [MERCHANT],
        readonly: [],
      }),
      sol,
    );
    expect(viaTable).toEqual({ ok: true, amount: 5n, payer: PAYER });
    const tokensForSol = readSolanaPayment(tx({ postTokenBalances: [bal(2, USDC, MERCHANT, 1n)] }), sol);
    expect(tokensForSol).toMatchObject({ ok: false, reason: REASONS.PAYMENT_WRONG_ASSET });
  });

  it('refuses a failed transaction and one without metadata', () => {
    expect(readSolanaPayment(tx({ err: { InstructionError: [0n, { Custom: 1n }] } }), spl)).toMatchObject({
      reason: REASONS.PAYMENT_REVERTED,
    });
    const noMeta = solanaTxSchema.parse({
      slot: 1,
      blockTime: null,
      transaction: { signatures: ['s'], message: { accountKeys: [PAYER] } },
      meta: null,
    });
    expect(readSolanaPayment(noMeta, spl)).toMatchObject({ reason: REASONS.PAYMENT_NOT_FOUND });
  });

  it('rejects an answer that is not a transaction', () => {
    expect(solanaTxSchema.safeParse({ slot: 'x' }).success).toBe(false);
    expect(
      solanaTxSchema.safeParse({
        slot: 1,
        transaction: { signatures: [], message: { accountKeys: [] } },
        meta: null,
      }).success,
    ).toBe(false);
  });
});

describe('reference keys', () => {
  it('are 32 random bytes in base58, all different', () => {
    const refs = Array.from({ length: 200 }, () => newSolanaReference());
    expect(new Set(refs).size).toBe(200);
    for (const r of refs) expect(isBase58OfLength(r, 32)).toBe(true);
    expect(isBase58OfLength(refs[0]!, 64)).toBe(false);
    expect(isBase58OfLength('0OIl', 32)).toBe(false);
  });
});
