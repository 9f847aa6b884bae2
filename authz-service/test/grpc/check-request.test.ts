import { toNeutralRequest, InvalidCheckRequestError } from '../../src/transports/grpc/check-request.js';

describe('toNeutralRequest (CheckRequest → NeutralRequest)', () => {
  const base = {
    attributes: {
      source: { address: { socket_address: { address: '198.51.100.4' } } },
      request: {
        http: {
          method: 'post',
          path: '/premium/x?y=1',
          host: 'Shop.Test',
          scheme: 'https',
          headers: { ':authority': 'shop.test', ':path': '/premium/x?y=1', cookie: 'a=b', 'X-Mixed': 'v' },
        },
      },
      context_extensions: { route_name: 'reports' },
    },
  };

  it('takes method, path with query, host, scheme, headers, client ip and the route', () => {
    expect(toNeutralRequest(base)).toEqual({
      method: 'POST',
      scheme: 'https',
      host: 'shop.test',
      target: '/premium/x?y=1',
      headers: { cookie: 'a=b', 'x-mixed': 'v' },
      routeName: 'reports',
      clientIp: '198.51.100.4',
    });
  });

  it('prefers context_extensions "route" over "route_name"', () => {
    const req = { attributes: { ...base.attributes, context_extensions: { route_name: 'b', route: 'a' } } };
    expect(toNeutralRequest(req).routeName).toBe('a');
  });

  it('an unknown scheme is read as http (no Secure cookies on a guess)', () => {
    const req = { attributes: { request: { http: { ...base.attributes.request.http, scheme: '' } } } };
    expect(toNeutralRequest(req).scheme).toBe('http');
  });

  it('falls back to :authority when host is empty', () => {
    const req = { attributes: { request: { http: { ...base.attributes.request.http, host: '' } } } };
    expect(toNeutralRequest(req).host).toBe('shop.test');
  });

  it.each([
    ['http', {}],
    ['method', { attributes: { request: { http: { path: '/', host: 'h' } } } }],
    ['path', { attributes: { request: { http: { method: 'GET', host: 'h' } } } }],
    ['host', { attributes: { request: { http: { method: 'GET', path: '/' } } } }],
  ])('missing %s throws InvalidCheckRequestError', (missing, req) => {
    let caught: unknown;
    try {
      toNeutralRequest(req);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidCheckRequestError);
    expect((caught as InvalidCheckRequestError).code).toBe('AUTHZ_ERR_CHECK_REQUEST_INVALID');
    expect((caught as InvalidCheckRequestError).missing).toBe(missing);
  });
});
