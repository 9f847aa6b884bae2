/**
 * The decision caches of the shipped configs (docs/decision-cache.md) against the authorizer's own
 * lists: every header that carries a payment proof bypasses them, and every header a token is read
 * from is in their key. A proof header added to the authorizer and forgotten here would let a
 * cached allow answer a request that should have been redeemed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROOF_HEADERS } from '../../authz-service/src/core/proof-headers.js';
import { INTEGRATIONS_DIR } from '../support/gateways.js';

const read = (rel: string): string => readFileSync(path.join(INTEGRATIONS_DIR, rel), 'utf8');
/** The header names tokens/sources.ts reads a token from. */
const TOKEN_HEADERS = ['cookie', 'authorization', 'x-402-token'];
const nginxVar = (header: string): string => `$http_${header.replace(/-/g, '_')}`;

describe('NGINX decision cache', () => {
  const conf = read('nginx/turnpike.conf');
  const snippet = read('nginx/snippets/turnpike-decision-cache.conf');

  it('$turnpike_proof_sent is set by every proof header and by Authorization: Payment', () => {
    const source = /^map "([^"]+)" \$turnpike_proof_sent \{/m.exec(conf)?.[1] ?? '';
    const vars = source.match(/\$[a-z0-9_]+/g) ?? [];
    expect(vars.sort()).toEqual([...PROOF_HEADERS.map(nginxVar), '$turnpike_mpp_credential'].sort());
    expect(conf).toMatch(
      /^map \$http_authorization \$turnpike_mpp_credential \{\n\s+default\s+"";\n\s+"~\*\^payment " 1;\n\}/m,
    );
    expect(snippet).toMatch(/^proxy_cache_bypass \$turnpike_proof_sent;$/m);
    expect(snippet).toMatch(/^proxy_no_cache\s+\$turnpike_proof_sent;$/m);
  });

  it('the key holds scheme, host, method, raw URI and every token header, one a line, and the authorizer gets the same token values', () => {
    const key = /^proxy_cache_key "([^"]+)";$/m.exec(snippet)?.[1];
    expect(key?.split('\\n')).toEqual([
      '$scheme',
      '$host',
      '$request_method',
      '$request_uri',
      ...TOKEN_HEADERS.map(nginxVar),
    ]);
    for (const header of TOKEN_HEADERS)
      expect(snippet).toMatch(new RegExp(`^proxy_set_header ${header}\\s+\\${nginxVar(header)};$`, 'im'));
    // Lifetime from X-Accel-Expires only: nothing stored without it.
    expect(snippet).not.toMatch(/^\s*proxy_cache_valid/m);
    expect(snippet).toMatch(/^proxy_ignore_headers Cache-Control Expires;$/m);
  });
});

describe('HAProxy decision cache', () => {
  const lua = read('haproxy/turnpike.lua');
  const list = (name: string): string[] => {
    const table = new RegExp(`local ${name} = \\{([^}]*)\\}`).exec(lua);
    expect(table).not.toBeNull();
    return [...table![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.toLowerCase());
  };

  it('every proof header bypasses it (Authorization: Payment too)', () => {
    expect(list('PROOF_HEADERS').sort()).toEqual([...PROOF_HEADERS].sort());
    expect(lua).toContain('if string.lower(string.sub(v, 1, 8)) == "payment " then return true end');
  });

  it('the key holds Host and every token header', () => {
    expect(list('KEY_HEADERS').sort()).toEqual(['host', ...TOKEN_HEADERS].sort());
  });
});
