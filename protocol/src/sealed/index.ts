export { deriveSealKeys, MIN_INTERNAL_SECRET_CHARS, type SealKeys } from './seal-keys.js';
export { macAscii, macBase64url, seal, unseal } from './seal.js';
