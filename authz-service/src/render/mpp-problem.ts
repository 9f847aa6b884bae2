import { isPaymentAuthorization, mppProblemFor } from '@turnpike/protocol';
import type { NeutralRequest, PaymentRequiredDecision, RenderedResponse } from '../core/types.js';

/**
 * The 402 of a request that carried an MPP credential (`Authorization: Payment`): the draft wants
 * the refusal as RFC 9457 problem details with its problem type (malformed-credential,
 * invalid-challenge, verification-failed, …) beside the fresh challenges. The Turnpike body stays
 * whole (problem details allow extension members): the problem members go first and the content
 * type becomes `application/problem+json`. Any other 402 is returned as it is.
 */
export function mppRefusal(
  req: NeutralRequest,
  d: PaymentRequiredDecision,
  rendered: RenderedResponse,
): RenderedResponse {
  const auth = req.headers.authorization;
  if (auth === undefined || !isPaymentAuthorization(auth) || !rendered.body.startsWith('{')) return rendered;
  const problem = mppProblemFor(d.reason);
  const members = JSON.stringify({
    type: problem.type,
    title: problem.title,
    status: rendered.status,
    detail: `The payment credential was refused (${d.reason}).`,
  });
  rendered.headers['content-type'] = 'application/problem+json; charset=utf-8';
  return { ...rendered, body: `${members.slice(0, -1)},${rendered.body.slice(1)}` };
}
