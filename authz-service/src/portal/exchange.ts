import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A portal call's answer: its status, headers and whole body as text. */
export interface PortalAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The error of an exchange that did not end within its time (named like fetch's, for the caller). */
export class ExchangeTimeout extends Error {
  override readonly name = 'TimeoutError';
}

export interface PortalExchange {
  (
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<PortalAnswer>;
  /** Closes the kept-alive connections (shutdown). */
  close(): void;
}

/**
 * One HTTP exchange with the portal over node:http(s) and a keep-alive agent. The authorizer calls
 * the portal on its hot paths (credit leases and returns, address leases); fetch cost several
 * times more CPU per call (WHATWG streams, an AbortSignal timer and a DOMException per call, its
 * body as a stream), which a busy metered resource paid on every block (bench/authz b-credits).
 * The timeout covers the whole exchange, body included; a redirect is an answer like any other.
 */
export function createPortalExchange(): PortalExchange {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true }),
    'https:': new HttpsAgent({ keepAlive: true }),
  };
  const exchange = (
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<PortalAnswer> =>
    new Promise<PortalAnswer>((resolve, reject) => {
      const https = url.protocol === 'https:';
      const send = https ? httpsRequest : httpRequest;
      const req = send(url, {
        method,
        agent: https ? agents['https:'] : agents['http:'],
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      // Settles once: whichever of the answer's end, a failure of the request or of its answer, or
      // the timeout comes first. A connection lost in the middle of an answer fails the answer,
      // not always the request, so both are listened to.
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new ExchangeTimeout(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('error', fail);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        // Not a lost connection the client tries again (connectionLost): the portal's handler ran.
        const cutOff = (cause?: unknown) =>
          fail(Object.assign(new Error('the answer was cut off', { cause }), { code: 'ANSWER_CUT_OFF' }));
        res.on('error', cutOff);
        res.on('aborted', () => cutOff());
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      });
      req.end(body);
    });
  return Object.assign(exchange, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
