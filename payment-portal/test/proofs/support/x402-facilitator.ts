/**
 * Facilitators for tests, on node:http and 127.0.0.1:0:
 * - `startTestFacilitator`: a real one — it verifies the EIP-3009 authorization (signature, window,
 *   nonce and balance on chain) and settles it on anvil from its own key, answering with x402's
 *   wire shapes and reason names;
 * - `startHangingFacilitator`: accepts connections and never answers;
 * - `startLyingFacilitator`: says every payment settled, with a transaction that does not exist.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  REASONS,
  x402ExactEvmPayloadSchema,
  type Erc20Asset,
  type EvmNetwork,
  type NetworkRegistry,
} from '@turnpike/protocol';
import { Secret } from '@turnpike/protocol/service';
import {
  checkAuthorization,
  checkAuthorizationOnChain,
  createRelayer,
  ProofRefusal,
} from '../../../src/proofs/index.js';
import { evmReads } from '../../../src/proofs/evm/chain-reads.js';
import { createRpcClient } from '../../../src/watchers/evm/rpc-client.js';

export interface TestServer {
  url: string;
  /** Requests received, by path. */
  calls: string[];
  /** The JSON bodies of the requests it read, with their path. */
  bodies: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

// Ours → the x402 spec's / TS SDK's reason names, as a real facilitator answers.
const SPEC_REASONS: Record<string, string> = {
  [REASONS.X402_SIGNATURE_INVALID]: 'invalid_exact_evm_payload_signature',
  [REASONS.X402_AUTHORIZATION_EXPIRED]: 'invalid_exact_evm_payload_authorization_valid_before',
  [REASONS.X402_AUTHORIZATION_NOT_YET_VALID]: 'invalid_exact_evm_payload_authorization_valid_after',
  [REASONS.X402_VALUE_MISMATCH]: 'invalid_exact_evm_payload_authorization_value_mismatch',
  [REASONS.X402_RECIPIENT_MISMATCH]: 'invalid_exact_evm_payload_recipient_mismatch',
  [REASONS.X402_NONCE_USED]: 'invalid_exact_evm_nonce_already_used',
  [REASONS.X402_INSUFFICIENT_BALANCE]: 'insufficient_funds',
};

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, bodies: TestServer['bodies']) => void,
): Promise<TestServer> {
  const calls: string[] = [];
  const bodies: TestServer['bodies'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    calls.push(req.url ?? '');
    handler(req, res, bodies);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readJson(
  req: IncomingMessage,
  bodies: TestServer['bodies'],
): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  const body = JSON.parse(text) as Record<string, unknown>;
  bodies.push({ path: req.url ?? '', body });
  return body;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startTestFacilitator(opts: {
  registry: NetworkRegistry;
  rpcUrl: string;
  key: string;
}): Promise<TestServer> {
  const networks = opts.registry.list().filter((n): n is EvmNetwork => n.kind === 'evm');
  const rpcUrls = new Map(networks.map((n) => [n.name, [opts.rpcUrl]]));
  const relayer = createRelayer({ key: new Secret(opts.key), rpcUrls, networks, rpcTimeoutMs: 5_000 });
  const reads = evmReads(createRpcClient({ urls: [opts.rpcUrl], timeoutMs: 5_000 }));

  async function verify(body: Record<string, unknown>) {
    const version = body.x402Version;
    const requirements = body.paymentRequirements as Record<string, string> & {
      extra?: { name: string; version: string };
    };
    const payload = (body.paymentPayload as { payload?: unknown }).payload;
    const network =
      version === 2
        ? opts.registry.byCaip2(requirements.network ?? '')
        : (opts.registry.byX402V1Name(requirements.network ?? '') ??
          opts.registry.get(requirements.network ?? ''));
    const exact = x402ExactEvmPayloadSchema.safeParse(payload);
    if (network?.kind !== 'evm' || !exact.success || requirements.extra === undefined)
      return { error: 'invalid_payload' as const };
    const asset: Erc20Asset = {
      kind: 'erc20',
      symbol: 'TOKEN',
      decimals: 6,
      address: requirements.asset ?? '',
      eip712: requirements.extra,
    };
    const amount = BigInt((version === 2 ? requirements.amount : requirements.maxAmountRequired) ?? '0');
    checkAuthorization(exact.data, {
      network,
      asset,
      payTo: (requirements.payTo ?? '').toLowerCase(),
      amount,
      exactValue: version === 2,
      minValiditySeconds: 6,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    await checkAuthorizationOnChain(exact.data, asset, reads);
    return { network, asset, exact: exact.data };
  }

  return listen((req, res, bodies) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/supported') {
        send(res, 200, {
          kinds: networks.map((n) => ({ x402Version: 2, scheme: 'exact', network: n.caip2 })),
          extensions: [],
          signers: { 'eip155:*': [relayer.address] },
        });
        return;
      }
      const body = await readJson(req, bodies);
      try {
        const v = await verify(body);
        if ('error' in v) {
          send(
            res,
            200,
            req.url === '/verify'
              ? { isValid: false, invalidReason: v.error }
              : { success: false, errorReason: v.error, transaction: '', network: '' },
          );
          return;
        }
        const payer = v.exact.authorization.from;
        if (req.url === '/verify') {
          send(res, 200, { isValid: true, payer });
          return;
        }
        const receipt = await relayer.settle(v.network, v.asset, v.exact, 20_000);
        send(res, 200, { success: true, transaction: receipt.hash, network: v.network.caip2, payer });
      } catch (err) {
        const reason =
          err instanceof ProofRefusal
            ? (SPEC_REASONS[err.code] ?? 'unexpected_verify_error')
            : 'unexpected_settle_error';
        send(
          res,
          200,
          req.url === '/verify'
            ? { isValid: false, invalidReason: reason }
            : { success: false, errorReason: reason, transaction: '', network: '' },
        );
      }
    })();
  });
}

export function startHangingFacilitator(): Promise<TestServer> {
  return listen(() => undefined);
}

export function startLyingFacilitator(): Promise<TestServer> {
  return listen((req, res, bodies) => {
    void readJson(req, bodies).then(() =>
      send(
        res,
        200,
        req.url === '/verify'
          ? { isValid: true }
          : { success: true, transaction: `0x${randomBytes(32).toString('hex')}`, network: 'eip155:31337' },
      ),
    );
  });
}
