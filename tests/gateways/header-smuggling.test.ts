/**
 * Identity-header smuggling through real NGINX, Caddy and HAProxy running the shipped configs:
 * a client's `Connection: X-402-Payer, …` must not remove Turnpike's identity headers, and an
 * underscore spelling (`X_402_Payer`, read as `X-402-Payer` by CGI, WSGI, Rack and PHP) must not
 * reach the app at all, on a free and on a paid request.
 */
import { GATEWAY_KINDS, startGateway, type RunningGateway } from '../support/gateways.js';
import { identityProblems, SMUGGLING_CASES } from '../support/identity-smuggling.js';
import { PAYER, SCOPE, VALID_CLAIMS } from './decision-table.js';
import { send } from './run-table.js';
import { startStack, type Stack } from './stack.js';

describe.each(GATEWAY_KINDS)('%s with the shipped config: identity-header smuggling', (kind) => {
  let stack: Stack;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stack = await startStack();
    gateway = await startGateway(kind, {
      authz: stack.authzAddress,
      portal: stack.portal.publicAddress,
      upstream: stack.upstream.address,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await stack?.close();
  });
  beforeEach(() => stack.upstream.reset());

  describe.each(SMUGGLING_CASES)('a client sending $name', ({ headers }) => {
    it('on a free page: the app sees no identity under any name', async () => {
      const res = await send(gateway.port, { path: '/free/page', headers });
      expect({ status: res.status, log: res.status === 200 ? '' : gateway.output() }).toEqual({
        status: 200,
        log: '',
      });
      const seen = stack.upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(identityProblems(seen[0]!.headers, {})).toEqual([]);
    });

    it("on a paid page: the app sees Turnpike's identity only", async () => {
      const token = await stack.signer.sign(VALID_CLAIMS);
      const res = await send(gateway.port, {
        path: '/premium/doc',
        headers: { ...headers, authorization: `Bearer ${token}` },
      });
      expect({ status: res.status, log: res.status === 200 ? '' : gateway.output() }).toEqual({
        status: 200,
        log: '',
      });
      const seen = stack.upstream.appRequests();
      expect(seen).toHaveLength(1);
      expect(
        identityProblems(seen[0]!.headers, {
          'x-402-payer': PAYER,
          'x-402-scope': SCOPE,
          'x-402-token-id': /^[0-9a-f-]{36}$/,
          'x-402-claims': /^[A-Za-z0-9_-]{40,}$/,
        }),
      ).toEqual([]);
    });
  });
});
