import type { Command } from 'commander';
import { AUTHZ_DEFAULTS } from '@turnpike/authz-service';
import { withReadOnlyDatabase } from '../lib/read-only-database.js';
import type { CommandResult } from '../output.js';
import type { CommandContext } from '../program.js';
import type { CliIo } from '../io.js';

/**
 * `turnpike keys rotate`: the rotation procedure for this codebase's keys. The portal signs with
 * the key of the latest `createdAt` (else the last listed) and publishes every listed key in its
 * JWKS; the authorizer caches the JWKS for `jwks.cacheMaxAgeMs` and refetches on an unknown kid at
 * most every `jwks.cooldownMs`. With DATABASE_URL set it also reads when the last token issued so
 * far expires (invoices.token_expires_at), the earliest moment the old key may go.
 */
export async function keysRotate(io: CliIo): Promise<CommandResult> {
  const warnings: string[] = [];
  let lastTokenExpiry: string | null | undefined;
  if (io.env.DATABASE_URL) {
    try {
      lastTokenExpiry = await withReadOnlyDatabase(io, async (db) => {
        const r = await db.query<{ last: Date | null }>('SELECT max(token_expires_at) AS last FROM invoices');
        return r.rows[0]?.last?.toISOString() ?? null;
      });
    } catch (err) {
      warnings.push(`could not read the last token expiry from DATABASE_URL: ${(err as Error).message}`);
    }
  }
  const cacheMin = AUTHZ_DEFAULTS.jwksCacheMaxAgeMs / 60_000;
  const steps = [
    'turnpike keys new --out /run/secrets/turnpike-token-key-NEW.pem   (prints the new kid)',
    'Publish without signing: add the new key to tokens.signingKeys of EVERY portal replica with a ' +
      'createdAt OLDER than the current key (the newest createdAt signs), so the current key keeps ' +
      'signing while the JWKS (<issuer>/.well-known/jwks.json) serves both. If the current key has no ' +
      'createdAt, give it its real one first: an undated key counts as older than every dated one. ' +
      'Rolling restart.',
    `Wait until every authorizer has refetched the JWKS: jwks.cacheMaxAgeMs (default ${cacheMin} min). ` +
      'Check with: curl <issuer>/.well-known/jwks.json  (both kids listed).',
    "Switch signing: set the new key's createdAt to now (newer than the old key's). Rolling restart. " +
      'New tokens carry the new kid; old tokens still verify against the old key in the JWKS.',
    'Drop the old key after the longest token lifetime has passed since the switch: the largest ' +
      '`exp` (ms after issuance) of any payment request your upstreams or routes declare' +
      (lastTokenExpiry ? `; the last token issued so far expires at ${lastTokenExpiry}` : '') +
      '. Remove it from tokens.signingKeys, rolling restart, then delete the key file (after your backup policy allows).',
  ];
  const text = [
    'Token signing key rotation (payment-portal tokens.signingKeys; authz-service jwks.*):',
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    '',
    'A key that leaked: skip the waits (remove it at once); tokens it signed stop working.',
  ].join('\n');
  return {
    data: {
      steps,
      lastTokenExpiry: lastTokenExpiry ?? null,
      jwksCacheMaxAgeMsDefault: AUTHZ_DEFAULTS.jwksCacheMaxAgeMs,
    },
    text,
    warnings,
  };
}

export function registerKeysRotate(parent: Command, ctx: CommandContext): void {
  parent
    .command('rotate')
    .description(
      'print the signing key rotation procedure (and, with DATABASE_URL, when the last token expires)',
    )
    .action(ctx.handle(() => keysRotate(ctx.io)));
}
