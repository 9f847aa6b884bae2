/**
 * A Solana test world: the LiteSVM JSON-RPC front, a local Solana network in the registry (its own
 * CAIP-2 id and a USDC-like mint created on the spot), a migrated database, token keys, a funded
 * payer, and Solana invoices written the way the portal stores them (pay_to = the merchant's
 * wallet, a fresh reference key per offer).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  createNetworkRegistry,
  deriveSealKeys,
  paymentRequestDigest,
  paymentRequestFromJson,
  toWire,
  type NetworkRegistry,
  type SettleRequest,
} from '@turnpike/protocol';
import { createLogger, Secret } from '@turnpike/protocol/service';
import { createSolanaRpc, type Address, type KeyPairSigner } from '@solana/kit';
import { startLiteSvmRpc, type LiteSvmRpc } from '../../../tests/support/litesvm-rpc.js';
import {
  createAta,
  createMint,
  fundedSigner,
  mintTo,
  payToken,
  randomAddress,
  type Rpc,
} from '../../../tests/support/solana/payer.js';
import { resolveTarget } from '../../src/invoices/resolve-target.js';
import {
  createSolanaRpcClient,
  newSolanaReference,
  type SolanaVerifyDeps,
} from '../../src/proofs/solana/index.js';
import { migrate, openDatabase, type Database } from '../../src/storage/index.js';
import { loadSigningKeys, type SigningKeySet } from '../../src/tokens/signing-keys.js';

export const NETWORK = 'solana-local';
export const quiet = createLogger({ name: 'test', level: 'silent' });

export interface SolanaInvoice {
  id: string;
  reference: string;
  /** The settle request the authorizer would send for a proof of `signature`. */
  settle(signature: string, network?: string): SettleRequest;
}

export interface SolanaFixture {
  front: LiteSvmRpc;
  rpc: Rpc;
  registry: NetworkRegistry;
  db: Database;
  keys: SigningKeySet;
  deps: SolanaVerifyDeps;
  usdcMint: Address;
  otherMint: Address;
  authority: KeyPairSigner;
  payer: KeyPairSigner;
  merchant: Address;
  /** The payer sends `amount` (default 1.5) USDC to the merchant with `reference`; the signature. */
  payUsdc(reference: string, amount?: bigint): Promise<string>;
  createInvoice(opts?: {
    asset?: 'USDC' | 'SOL';
    amount?: string;
    resource?: string;
    expiryMinutes?: number;
  }): Promise<SolanaInvoice>;
  close(): Promise<void>;
}

export async function startSolanaFixture(
  opts: { commitment?: 'confirmed' | 'finalized'; databaseUrl?: string; now?: () => number } = {},
): Promise<SolanaFixture> {
  const front = await startLiteSvmRpc(opts.now ? { now: opts.now } : {});
  const db = await openDatabase(
    opts.databaseUrl ? { url: opts.databaseUrl, env: {} } : { memory: true, env: {} },
  );
  try {
    await migrate(db);
    const rpc = createSolanaRpc(front.url) as unknown as Rpc;
    const authority = await fundedSigner(rpc);
    const payer = await fundedSigner(rpc);
    const merchant = await randomAddress();
    const usdcMint = await createMint(rpc, authority, 6);
    const otherMint = await createMint(rpc, authority, 6);
    for (const mint of [usdcMint, otherMint])
      await mintTo(
        rpc,
        authority,
        mint,
        await createAta(rpc, authority, payer.address, mint),
        1_000_000_000n,
      );

    const registry = createNetworkRegistry({
      [NETWORK]: {
        kind: 'solana',
        caip2: `solana:${newSolanaReference().slice(0, 32)}`,
        commitment: opts.commitment ?? 'confirmed',
        testnet: true,
        tokens: { USDC: { kind: 'spl', symbol: 'USDC', decimals: 6, mint: usdcMint } },
      },
    });
    const keys = loadSigningKeys([
      {
        kid: 'k1',
        privateKey: new Secret(
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        ),
      },
    ]);
    const client = createSolanaRpcClient({ urls: [front.url], timeoutMs: 5_000 });
    const deps: SolanaVerifyDeps = {
      db,
      registry,
      keys,
      issuer: 'https://portal.test',
      latePaymentUnlocks: true,
      rpcFor: (n) => (n === NETWORK ? client : undefined),
      logger: quiet,
      challengeKey: deriveSealKeys('solana-tests-internal-secret').challenge,
      solanaWallet: merchant,
    };

    let n = 0;
    const createInvoice: SolanaFixture['createInvoice'] = async (o = {}) => {
      const asset = o.asset ?? 'USDC';
      const json = {
        claims: { tier: 'gold' },
        exp: 600_000,
        payment: {
          requests: [
            {
              network: NETWORK,
              amount: o.amount ?? (asset === 'USDC' ? '1.5' : '0.25'),
              ...(asset === 'USDC' ? { asset } : {}),
            },
          ],
        },
      };
      const request = paymentRequestFromJson(json, registry);
      const input = {
        host: 'shop.test',
        scheme: 'https' as const,
        resource: o.resource ?? '/premium',
        originalUri: o.resource ?? '/premium',
      };
      const target = resolveTarget(input, request);
      const id = randomBytes(16).toString('base64url');
      const reference = newSolanaReference();
      const offer = request.offers[0]!;
      await db.query(
        `INSERT INTO invoices (id, host, scheme, resource, original_uri, claims, token_lifetime_ms, request_digest, expires_at, client_ip, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(mins => $9), $10, 'challenge')`,
        [
          id,
          target.host,
          target.scheme,
          target.resource,
          target.originalUri,
          JSON.stringify(request.claims),
          request.tokenLifetimeMs,
          paymentRequestDigest(request),
          o.expiryMinutes ?? 30,
          `198.51.100.${++n % 250}`,
        ],
      );
      await db.query(
        `INSERT INTO invoice_offers (invoice_id, network, asset_symbol, asset_kind, asset_address, decimals, amount_atomic, pay_to, reference)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id,
          NETWORK,
          offer.asset.symbol,
          offer.asset.kind,
          offer.asset.kind === 'spl' ? offer.asset.mint : null,
          offer.asset.decimals,
          offer.atomic.toString(),
          merchant,
          reference,
        ],
      );
      const wire = toWire(request);
      return {
        id,
        reference,
        settle: (signature, network = NETWORK) => ({
          ...input,
          request: wire,
          // Bound to this recorded challenge (the id its 402 handed out).
          proof: { type: 'tx', network, tx: signature, challenge: id },
        }),
      };
    };

    return {
      front,
      rpc,
      registry,
      db,
      keys,
      deps,
      usdcMint,
      otherMint,
      authority,
      payer,
      merchant,
      payUsdc: (reference, amount = 1_500_000n) =>
        payToken(rpc, { from: payer, recipient: merchant, mint: usdcMint, decimals: 6, amount, reference }),
      createInvoice,
      async close() {
        await db.close();
        await front.stop();
      },
    };
  } catch (err) {
    await db.close();
    await front.stop();
    throw err;
  }
}

/** The invoice row's status and redemption time. */
export async function invoiceState(
  db: Database,
  id: string,
): Promise<{ status: string; redeemed: boolean; received: bigint }> {
  const r = await db.query<{ status: string; redeemed_at: Date | null; received_atomic: string }>(
    'SELECT i.status, i.redeemed_at, o.received_atomic FROM invoices i JOIN invoice_offers o ON o.invoice_id = i.id WHERE i.id = $1',
    [id],
  );
  const row = r.rows[0]!;
  return { status: row.status, redeemed: row.redeemed_at !== null, received: BigInt(row.received_atomic) };
}
