export { deriveSealKeys, MIN_INTERNAL_SECRET_CHARS, type SealKeys } from './seal-keys.js';
export { macAscii, macBase64url, seal, sealJson, unseal } from './seal.js';
