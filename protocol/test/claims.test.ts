import {
  RESERVED_CLAIMS,
  parseCookieHeader,
  scopeFromCookieName,
  tokenClaimsSchema,
  tokenCookieCandidates,
  tokenCookieName,
} from '@turnpike/protocol';

describe('tokenClaimsSchema', () => {
  const claims = {
    iss: 'https://shop.example/_402',
    aud: 'shop.example',
    resource: '/premium',
    exp: 1_800_000_000,
    iat: 1_799_996_400,
    jti: 'f3c1',
    sub: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    pay: { network: 'base', tx: '0xabc', invoice: 'inv_1' },
    plan: 'gold',
  };

  it('accepts the token shape with extra string claims', () => {
    expect(tokenClaimsSchema.parse(claims)).toEqual(claims);
  });

  it('refuses non-string extra claims, float times, a relative resource and unknown pay keys', () => {
    expect(tokenClaimsSchema.safeParse({ ...claims, plan: 3 }).success).toBe(false);
    expect(tokenClaimsSchema.safeParse({ ...claims, exp: 1.5 }).success).toBe(false);
    expect(tokenClaimsSchema.safeParse({ ...claims, resource: 'premium' }).success).toBe(false);
    expect(tokenClaimsSchema.safeParse({ ...claims, pay: { ...claims.pay, amount: '1' } }).success).toBe(
      false,
    );
    const { jti: _jti, ...withoutJti } = claims;
    expect(tokenClaimsSchema.safeParse(withoutJti).success).toBe(false);
  });

  it('reserves the issuer-set claims', () => {
    expect([...RESERVED_CLAIMS].sort()).toEqual([
      'exp',
      'iat',
      'iss',
      'jti',
      'meter',
      'nbf',
      'pay',
      'site',
      'sub',
    ]);
  });
});

describe('cookies', () => {
  it('names cookies by base64url scope without padding', () => {
    expect(tokenCookieName()).toBe('402_token');
    expect(tokenCookieName('/premium')).toBe('402_token_L3ByZW1pdW0');
    expect(tokenCookieName('/a')).toBe('402_token_L2E');
    expect(tokenCookieName('/')).toBe('402_token_Lw');
    for (const scope of ['/', '/premium', '/a/b/c', '/~user/x', '/%C3%A9']) {
      expect(scopeFromCookieName(tokenCookieName(scope))).toBe(scope);
    }
    expect(scopeFromCookieName('402_token_L3ByZW1pdW0=')).toBeNull();
    expect(scopeFromCookieName('402_token_cHJlbWl1bQ')).toBeNull(); // "premium": not a path
    expect(scopeFromCookieName('session')).toBeNull();
  });

  it('parses a Cookie header keeping duplicates', () => {
    const jar = parseCookieHeader('a=1; 402_token=x; a=2;b="q v" ; =bad; novalue; c=');
    expect(jar.get('a')).toEqual(['1', '2']);
    expect(jar.get('402_token')).toEqual(['x']);
    expect(jar.get('b')).toEqual(['q v']);
    expect(jar.get('c')).toEqual(['']);
    expect(jar.has('')).toBe(false);
    expect(jar.has('novalue')).toBe(false);
    expect(parseCookieHeader(undefined).size).toBe(0);
  });

  it('orders candidates most specific first and drops scopes that do not cover the path', () => {
    const header = [
      `${tokenCookieName('/premium')}=T_premium`,
      '402_token=T_any',
      `${tokenCookieName('/premium/articles')}=T_articles`,
      `${tokenCookieName('/premium-x')}=T_other`,
      `${tokenCookieName('/PREMIUM')}=T_case`,
      `${tokenCookieName('/')}=T_root`,
      `${tokenCookieName('/premium')}=T_premium2`,
      '402_token_!!=T_bad',
    ].join('; ');
    const jar = parseCookieHeader(header);
    expect(tokenCookieCandidates(jar, '/premium/articles/1')).toEqual([
      'T_articles',
      'T_premium',
      'T_premium2',
      'T_root',
      'T_any',
    ]);
    expect(tokenCookieCandidates(jar, '/premium')).toEqual(['T_premium', 'T_premium2', 'T_root', 'T_any']);
    expect(tokenCookieCandidates(jar, '/free')).toEqual(['T_root', 'T_any']);
  });

  it('returns every candidate however many share a name: junk cannot push a token out', () => {
    const junk = Array.from({ length: 40 }, (_, i) => `${tokenCookieName('/premium/articles')}=junk${i}`);
    const jar = parseCookieHeader(
      [...junk, `${tokenCookieName('/premium')}=VALID`, '402_token=ANY'].join('; '),
    );
    const candidates = tokenCookieCandidates(jar, '/premium/articles/1');
    expect(candidates).toHaveLength(42);
    expect(candidates.slice(0, 40)).toEqual(Array.from({ length: 40 }, (_, i) => `junk${i}`));
    expect(candidates.slice(40)).toEqual(['VALID', 'ANY']);
  });

  it('drops duplicate and empty values', () => {
    const jar = parseCookieHeader(`402_token=A; ${tokenCookieName('/p')}=A; 402_token=`);
    expect(tokenCookieCandidates(jar, '/p/x')).toEqual(['A']);
  });
});
