/**
 * For bench row b-credits: a real PostgreSQL, the real payment-portal (its internal API leases the
 * credit blocks), and one open `credits` balance with a token for it, as a credited payment leaves
 * them (the invoice's grant set with its pricing: migration 0060's trigger opens the balance).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { startPostgres, type TestPostgres } from '../../tests/support/postgres.js';
import type { TestSigner } from '../../tests/support/tokens.js';

export interface MeteredBalance {
  internalUrl: string;
  internalToken: string;
  /** A `credits` token of `credits` credits for `host` /metered. */
  token: string;
  /** Credits spent so far (total − remaining − what leases hold). */
  spent(): Promise<{ total: bigint; remaining: bigint; leased: bigint }>;
  close(): Promise<void>;
}

export async function startMeteredBalance(opts: {
  signer: TestSigner;
  host: string;
  credits: bigint;
}): Promise<MeteredBalance> {
  let postgres: TestPostgres | undefined;
  let portal: RunningPaymentPortal | undefined;
  let db: pg.Client | undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-bench-portal-'));
  const close = async (): Promise<void> => {
    await db?.end().catch(() => undefined);
    await portal?.close().catch(() => undefined);
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase();
    const internalToken = randomBytes(24).toString('base64url');
    await writeFile(path.join(dir, 'signing-key.pem'), await opts.signer.privateKeyPem());
    await writeFile(
      path.join(dir, 'portal.yaml'),
      stringify({
        listeners: {
          public: { host: '127.0.0.1', port: 0 },
          internal: { host: '127.0.0.1', port: 0 },
          internalToken: { fromEnv: 'BENCH_INTERNAL_TOKEN' },
        },
        database: { url: { fromEnv: 'BENCH_DATABASE_URL' } },
        issuer: opts.signer.issuer,
        tokens: { signingKeys: [{ kid: opts.signer.kid, privateKey: { fromFile: 'signing-key.pem' } }] },
        logLevel: 'silent',
      }),
    );
    const config = await loadPortalConfig({
      file: path.join(dir, 'portal.yaml'),
      env: { BENCH_INTERNAL_TOKEN: internalToken, BENCH_DATABASE_URL: databaseUrl },
    });
    portal = await startPaymentPortal(config, {
      logger: createLogger({ name: 'bench-portal', level: 'silent' }),
    });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const jti = randomUUID();
    await db.query(
      `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, expires_at,
                             status, redeemed_at, token_jti, token_expires_at, pricing)
       VALUES ($1, $2, '/metered', '/metered', 86400000, 'bench', now() + interval '1 hour',
               'redeemed', now(), $3, now() + interval '1 day', $4)`,
      [
        randomBytes(16).toString('base64url'),
        opts.host,
        jti,
        JSON.stringify({ model: 'credits', credits: opts.credits.toString(), cost: '1' }),
      ],
    );
    const token = await opts.signer.sign(
      { aud: opts.host, resource: '/metered', plan: 'premium', meter: 'credits', jti },
      { expiresInSeconds: 86_400 },
    );
    const client = db;
    return {
      internalUrl: portal.internalUrl,
      internalToken,
      token,
      async spent() {
        const r = await client.query<{ total: string; remaining: string; leased: string }>(
          `SELECT total::text, remaining::text,
                  COALESCE((SELECT sum(amount) FROM credit_leases l WHERE l.token_jti = b.token_jti), 0)::text AS leased
           FROM credit_balances b WHERE token_jti = $1`,
          [jti],
        );
        const row = r.rows[0]!;
        return { total: BigInt(row.total), remaining: BigInt(row.remaining), leased: BigInt(row.leased) };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
