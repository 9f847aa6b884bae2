// payment-identifier's row lifecycle on both drivers (PGlite and a real PostgreSQL): a duplicate
// waits for the first outcome within a bound, a refused first attempt releases the id, a claim
// whose replica died is taken over after its lease, another fingerprint is a conflict, and an
// expired row is claimed afresh. `settle` stands for the x402 settlement (the end-to-end suites
// run the real one: tests/payments/x402-idempotency-*.test.ts).
import { REASONS, type SettleResponse } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { ProofRefusal, type ProofContext } from '../../src/proofs/context.js';
import { settleOncePerIdentifier } from '../../src/proofs/x402/idempotency/settle-once.js';
import { migrate, type Database } from '../../src/storage/index.js';
import { pgHarness, pgliteHarness, type DriverHarness } from '../storage/drivers.js';

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

const CONFIG = { waitMs: 400, leaseMs: 60_000, retentionSeconds: 3_600 };
const REFUSED: SettleResponse = { ok: false, reason: REASONS.X402_NONCE_USED, message: 'spent' };

async function refusalOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProofRefusal) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe.each(harnesses.map((h) => [h.name, h] as const))(
  'payment-identifier rows on %s',
  (_name, harness) => {
    let db: Database;
    let pctx: ProofContext;
    beforeEach(async () => {
      db = await harness.open();
      await migrate(db);
      // What the identifier rows use of the proof context: the database (grants are signed only for
      // a 'done' row, which the end-to-end suites cover).
      pctx = {
        db,
        logger: createLogger({ name: 'payment-identifier-test', level: 'silent' }),
      } as ProofContext;
    });

    it('a duplicate waits for the first; past waitMs it is told payment_identifier_in_flight with Retry-After', async () => {
      let finish!: (r: SettleResponse) => void;
      const first = settleOncePerIdentifier(
        pctx,
        'pay_wait_0000000000001',
        'fp',
        CONFIG,
        () => new Promise<SettleResponse>((resolve) => (finish = resolve)),
      );
      await new Promise((r) => setTimeout(r, 50));
      let ran = false;
      const started = Date.now();
      const err = await settleOncePerIdentifier(pctx, 'pay_wait_0000000000001', 'fp', CONFIG, async () => {
        ran = true;
        return REFUSED;
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProofRefusal);
      expect((err as ProofRefusal).code).toBe(REASONS.PAYMENT_IDENTIFIER_IN_FLIGHT);
      expect((err as ProofRefusal).retryAfterSeconds).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(CONFIG.waitMs - 50);
      expect(ran).toBe(false);
      finish(REFUSED);
      await first;
    });

    it('a refused first attempt releases the id: the same request may try again', async () => {
      const calls: number[] = [];
      const run = (n: number) => async () => {
        calls.push(n);
        return REFUSED;
      };
      expect(await settleOncePerIdentifier(pctx, 'pay_release_000000001', 'fp', CONFIG, run(1))).toEqual(
        REFUSED,
      );
      expect((await db.query('SELECT 1 FROM payment_identifiers')).rows).toHaveLength(0);
      await settleOncePerIdentifier(pctx, 'pay_release_000000001', 'fp', CONFIG, run(2));
      expect(calls).toEqual([1, 2]);
      // A settlement that threw releases it too.
      await expect(
        settleOncePerIdentifier(pctx, 'pay_release_000000001', 'fp', CONFIG, () =>
          Promise.reject(new Error('rpc')),
        ),
      ).rejects.toThrow('rpc');
      expect((await db.query('SELECT 1 FROM payment_identifiers')).rows).toHaveLength(0);
    });

    it('another fingerprint under a claimed id is payment_identifier_conflict, and never settles', async () => {
      let finish!: (r: SettleResponse) => void;
      const first = settleOncePerIdentifier(
        pctx,
        'pay_conflict_00000001',
        'fp-a',
        CONFIG,
        () => new Promise<SettleResponse>((resolve) => (finish = resolve)),
      );
      await new Promise((r) => setTimeout(r, 50));
      let ran = false;
      const code = await refusalOf(
        settleOncePerIdentifier(pctx, 'pay_conflict_00000001', 'fp-b', CONFIG, async () => {
          ran = true;
          return REFUSED;
        }),
      );
      expect(code).toBe(REASONS.PAYMENT_IDENTIFIER_CONFLICT);
      expect(ran).toBe(false);
      finish(REFUSED);
      await first;
    });

    it('a claim older than the lease (its replica died mid-settlement) is taken over by the next retry', async () => {
      await db.query(
        `INSERT INTO payment_identifiers (id, fingerprint, state, claimed_at, expires_at)
       VALUES ('pay_stale_00000000001', 'fp', 'pending', now() - interval '2 minutes', now() + interval '1 hour')`,
      );
      let ran = false;
      await settleOncePerIdentifier(pctx, 'pay_stale_00000000001', 'fp', CONFIG, async () => {
        ran = true;
        return REFUSED;
      });
      expect(ran).toBe(true);
    });

    it('an expired row is claimed afresh, with the new fingerprint', async () => {
      await db.query(
        `INSERT INTO payment_identifiers (id, fingerprint, state, expires_at)
       VALUES ('pay_expired_0000000001', 'old', 'pending', now() - interval '1 second')`,
      );
      let finish!: (r: SettleResponse) => void;
      const settling = settleOncePerIdentifier(
        pctx,
        'pay_expired_0000000001',
        'new',
        CONFIG,
        () => new Promise<SettleResponse>((resolve) => (finish = resolve)),
      );
      await new Promise((r) => setTimeout(r, 50));
      const row = await db.query<{ fingerprint: string }>(
        `SELECT fingerprint FROM payment_identifiers WHERE id = 'pay_expired_0000000001'`,
      );
      expect(row.rows).toEqual([{ fingerprint: 'new' }]);
      finish(REFUSED);
      await settling;
    });
  },
);
