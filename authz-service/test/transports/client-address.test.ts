import { resolveClientAddress } from '../../src/transports/http/client-address.js';
import { trustedProxies } from '../../src/transports/http/trusted-proxies.js';

const loopback = trustedProxies(['127.0.0.0/8', '::1/128']);

describe('resolveClientAddress', () => {
  it('trusts an IPv4-mapped loopback peer (a listener on ::) like 127.0.0.1', () => {
    expect(resolveClientAddress('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, loopback)).toBe(
      '203.0.113.9',
    );
  });

  it('walks IPv6 chains and ranges', () => {
    const trusted = trustedProxies(['fd00::/8', '10.0.0.0/8']);
    expect(
      resolveClientAddress('fd00::5', { 'x-forwarded-for': '2001:db8::66, 2001:db8::1, fd00::7' }, trusted),
    ).toBe('2001:db8::1');
    expect(resolveClientAddress('fe80::1', { 'x-forwarded-for': '2001:db8::1' }, trusted)).toBe('fe80::1');
  });

  it('takes the furthest address when every hop is trusted', () => {
    expect(resolveClientAddress('127.0.0.1', { 'x-forwarded-for': '127.0.0.3, 127.0.0.2' }, loopback)).toBe(
      '127.0.0.3',
    );
  });

  it('joins repeated X-Forwarded-For headers in order', () => {
    expect(
      resolveClientAddress('127.0.0.1', { 'x-forwarded-for': ['198.51.100.7', '203.0.113.9'] }, loopback),
    ).toBe('203.0.113.9');
  });

  it('ignores an X-Real-IP that is not one address', () => {
    expect(resolveClientAddress('127.0.0.1', { 'x-real-ip': '1.2.3.4, 5.6.7.8' }, loopback)).toBe(
      '127.0.0.1',
    );
  });

  it('trusts nobody with an empty list', () => {
    expect(resolveClientAddress('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, trustedProxies([]))).toBe(
      '127.0.0.1',
    );
  });
});
