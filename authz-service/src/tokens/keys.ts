import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { indexKeys, NO_KEYS, type KeyIndex } from './key-index.js';

export type JwksConfig =
  { url: string; timeoutMs: number; cooldownMs: number; cacheMaxAgeMs: number } | { file: string };

export interface KeyStore extends KeyIndex {
  /** The key resolver jwtVerify uses. */
  getKey: JWTVerifyGetKey;
  /** True once keys are loaded (remote: after the first successful fetch). */
  ready(): boolean;
  /** Loads the keys once now (remote: fetches; a failure is reported, not thrown). */
  warmUp(): Promise<boolean>;
}

export interface KeyStoreOptions {
  /** Counts every JWKS fetch by result (a metric). */
  onRefresh?: (result: 'ok' | 'error') => void;
}

/** Thrown by getKey when no key set was ever loaded (remote JWKS unreachable since start). */
export class KeysUnavailableError extends Error {
  readonly code = 'keys_unavailable' as const;
  constructor(options?: { cause?: unknown }) {
    super('no token keys loaded', options);
    this.name = 'KeysUnavailableError';
  }
}

/**
 * The portal's public keys. From a file: loaded once. From a URL: jose's remote JWK set (fetch
 * timeout, cooldown between refetches for unknown kids, cache max age). When a refetch fails the
 * last good key set keeps verifying, so token holders pass while the portal is down.
 */
export async function createKeyStore(config: JwksConfig, opts: KeyStoreOptions = {}): Promise<KeyStore> {
  if ('file' in config) {
    const jwks = JSON.parse(await readFile(config.file, 'utf8')) as JSONWebKeySet;
    const local = createLocalJWKSet(jwks);
    const index = indexKeys(jwks);
    return { getKey: local, holds: index.holds, ready: () => true, warmUp: () => Promise.resolve(true) };
  }

  const countingFetch: FetchImplementation = async (url, options) => {
    try {
      const res = await fetch(url, options);
      opts.onRefresh?.(res.ok ? 'ok' : 'error');
      return res;
    } catch (err) {
      opts.onRefresh?.('error');
      throw err;
    }
  };
  const remote = createRemoteJWKSet(new URL(config.url), {
    timeoutDuration: config.timeoutMs,
    cooldownDuration: config.cooldownMs,
    cacheMaxAge: config.cacheMaxAgeMs,
    [customFetch]: countingFetch,
  });
  // jose hands out a copy of its key set on every jwks() call: compare contents, so the fallback
  // set (and its imported keys) and the index are rebuilt only when the keys change.
  let lastGood: { fingerprint: string; local: JWTVerifyGetKey; index: KeyIndex } | undefined;
  const rememberGood = (): void => {
    const jwks = remote.jwks();
    if (jwks === undefined) return;
    const fingerprint = JSON.stringify(jwks);
    if (fingerprint !== lastGood?.fingerprint)
      lastGood = { fingerprint, local: createLocalJWKSet(jwks), index: indexKeys(jwks) };
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      const key = await remote(header, token);
      rememberGood();
      return key;
    } catch (err) {
      rememberGood();
      const code = (err as { code?: string }).code;
      // A key-set answer (no matching key, several matching) is the verdict; anything else is a
      // fetch failure, where the last good key set still answers.
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
      if (lastGood !== undefined) return lastGood.local(header, token);
      throw new KeysUnavailableError({ cause: err });
    }
  };

  return {
    getKey,
    holds: (kid, alg) => (lastGood?.index ?? NO_KEYS).holds(kid, alg),
    ready: () => lastGood !== undefined || remote.jwks() !== undefined,
    async warmUp() {
      try {
        await remote.reload();
        rememberGood();
        return true;
      } catch {
        return false;
      }
    },
  };
}
