import { createLocalJWKSet, type JWK } from 'jose';
import { indexKeys } from '../../src/tokens/key-index.js';
import { createSigner } from '../support/keys.js';

describe('indexKeys: which kid and alg a key set can verify, as jose picks keys', () => {
  it('agrees with jose’s JWK set on every key shape it filters', async () => {
    const es = (await createSigner('es', 'ES256')).jwk;
    const ed = (await createSigner('ed', 'EdDSA')).jwk;
    const withoutAlg = ({ alg: _alg, ...jwk }: JWK): JWK => jwk;
    const keys: JWK[] = [
      es,
      ed,
      { ...withoutAlg(es), kid: 'es-no-alg' },
      { ...es, kid: 'es-enc', use: 'enc' },
      { ...es, kid: 'es-sign-only', key_ops: ['sign'] },
      { ...es, kid: 'es-verify', key_ops: ['verify'] },
      { ...es, kid: 'es-labelled-eddsa', alg: 'EdDSA' },
      { ...withoutAlg(ed), kid: 'ed-no-alg' },
    ];
    const jwks = { keys };
    const index = indexKeys(jwks);
    const jose = createLocalJWKSet(jwks);
    const kids = [...keys.map((k) => k.kid!), 'nobody'];
    for (const kid of kids) {
      for (const alg of ['ES256', 'EdDSA']) {
        const joseFinds = await jose({ alg, kid }).then(
          () => true,
          () => false,
        );
        expect({ kid, alg, held: index.holds(kid, alg) }).toEqual({ kid, alg, held: joseFinds });
      }
    }
    expect(index.holds('es', 'ES256')).toBe(true);
    expect(index.holds('ed', 'EdDSA')).toBe(true);
    expect(index.holds('es-enc', 'ES256')).toBe(false);
  });
});
