import { REASONS, type SettleRequest, type SettleResponse } from '@turnpike/protocol';
import { findBoundGrant, grantOpens, type Grant, type ProofBinding } from '../../ledger/index.js';
import { ProofRefusal, type ProofContext } from '../context.js';
import { grantAgain, grantResponse } from '../grant-response.js';
import { settlementsInProcess } from './settlements-in-process.js';

/** The shape of the secret a 402 hands its requester (`accepted.extra.challenge`). */
const SECRET = /^[A-Za-z0-9_-]{16,64}$/;

/** The requester's secret as an x402 client echoed it, or undefined when it is absent or garbled. */
export function echoedSecret(value: unknown): string | undefined {
  return typeof value === 'string' && SECRET.test(value) ? value : undefined;
}

/** Thrown inside a settlement's lane when the same payment was credited meanwhile. */
export class CreditedMeanwhile extends Error {
  constructor(readonly grant: Grant) {
    super('credited meanwhile');
  }
}

/**
 * The grant an x402 payment (EIP-3009, Permit2, Solana) already bought, answered again with its
 * receipt — for this resource only: the binding names no resource, so the same payment presented
 * for another one is refused rather than handed a token that does not open it.
 */
export function grantAgainFor(
  request: SettleRequest,
  pctx: ProofContext,
  known: Grant,
  receipt: Record<string, unknown>,
): Promise<Extract<SettleResponse, { ok: true }>> {
  if (!grantOpens(known, request))
    throw new ProofRefusal(
      REASONS.PAYMENT_ALREADY_REDEEMED,
      'this payment already paid for another resource',
    );
  return grantAgain(pctx, known, undefined, receipt);
}

/** Inside a settlement's lane: stops it (CreditedMeanwhile) when its binding was credited meanwhile. */
export async function assertNotCredited(pctx: ProofContext, binding: ProofBinding): Promise<void> {
  const known = await findBoundGrant(pctx.db, binding);
  if (known !== null) throw new CreditedMeanwhile(known);
}

/**
 * Runs one x402 settlement per binding in this process and answers with its grant: a copy that
 * arrives while the payment settles waits for that settlement and gets the grant again; a payment
 * credited meanwhile (CreditedMeanwhile) is answered with its grant; a failure is reported once,
 * by the request that ran the settlement, and rethrown.
 */
export async function settleOnce(
  pctx: ProofContext,
  binding: ProofBinding,
  settle: () => Promise<Grant>,
  answer: {
    again: (known: Grant) => Promise<Extract<SettleResponse, { ok: true }>>;
    receipt: (tx: string) => Record<string, unknown>;
    failed: (reason: string) => void;
  },
): Promise<SettleResponse> {
  const inProcess = settlementsInProcess(pctx.db);
  const joined = inProcess.get(binding);
  let grant: Grant;
  try {
    grant = await (joined ?? inProcess.start(binding, settle));
  } catch (err) {
    if (err instanceof CreditedMeanwhile) return answer.again(err.grant);
    if (joined === undefined)
      answer.failed(err instanceof ProofRefusal ? err.code : REASONS.X402_SETTLE_FAILED);
    throw err;
  }
  return joined === undefined
    ? grantResponse(pctx, grant, answer.receipt(grant.payment.tx))
    : answer.again(grant);
}
