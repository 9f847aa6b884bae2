import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { calculateJwkThumbprint } from 'jose';
import { loadSigningKeys, portalConfigSchema } from '@turnpike/payment-portal';
import { Secret } from '@turnpike/protocol/service';
import { UsageError } from '../errors.js';
import { writeNewFile } from '../lib/write-new-file.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';

/**
 * `turnpike keys new --out <file>`: a fresh ES256 (P-256) token signing key as PKCS#8 PEM, written
 * with mode 0600 and never over an existing file. The portal takes a key's `kid` from its config
 * (tokens.signingKeys[].kid), it does not derive one; the CLI proposes the key's RFC 7638 JWK
 * thumbprint, which is unique per key and fits the portal's kid pattern. The public JWK printed is
 * the portal's own loadSigningKeys output: exactly what its JWKS will publish for this key.
 */
export async function keysNew(opts: { out: string; kid?: string | undefined }): Promise<CommandResult> {
  if (opts.kid !== undefined) {
    // The portal's own rule for tokens.signingKeys[].kid.
    const kidSchema = portalConfigSchema.shape.tokens.shape.signingKeys.element.shape.kid;
    const checked = kidSchema.safeParse(opts.kid);
    if (!checked.success) throw new UsageError(`--kid: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  }
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const probe = loadSigningKeys([{ kid: 'probe', privateKey: new Secret(pem) }]);
  const { kid: _probeKid, ...publicPart } = probe.current.publicJwk;
  const kid = opts.kid ?? (await calculateJwkThumbprint(publicPart, 'sha256'));
  const checked = loadSigningKeys([{ kid, privateKey: new Secret(pem) }]);
  const file = resolve(opts.out);
  await writeNewFile(file, pem, 0o600);
  const createdAt = new Date().toISOString();
  const configEntry = { kid, privateKey: { fromFile: file }, createdAt };
  const text = [
    `wrote ${file} (ES256 private key, PKCS#8 PEM, mode 0600)`,
    `kid: ${kid}`,
    '',
    'Add it to the portal config (payment-portal, tokens.signingKeys); the portal publishes its',
    'public half in <issuer>/.well-known/jwks.json, which the authorizer reads (jwks.url):',
    '',
    '  tokens:',
    '    signingKeys:',
    `      - kid: ${kid}`,
    `        privateKey: { fromFile: ${file} }`,
    `        createdAt: "${createdAt}"`,
    '',
    'public JWK (what the JWKS will serve for this key):',
    JSON.stringify(checked.current.publicJwk),
    '',
    'Keep the file secret and backed up; to replace a key see `turnpike keys rotate`.',
  ].join('\n');
  return { data: { file, kid, publicJwk: checked.current.publicJwk, configEntry }, text };
}

export function registerKeysNew(parent: Command, ctx: CommandContext): void {
  parent
    .command('new')
    .description('make an ES256 token signing key (PEM, mode 0600) and print its kid and public JWK')
    .requiredOption('--out <file>', 'where to write the private key (must not exist)')
    .option('--kid <kid>', 'key id to use instead of the JWK thumbprint ([A-Za-z0-9._-], 1-64)')
    .action(ctx.handle((opts: { out: string; kid?: string }) => keysNew(opts)));
}
