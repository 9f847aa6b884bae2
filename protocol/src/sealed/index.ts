export { deriveSealKeys, MIN_INTERNAL_SECRET_CHARS, type SealKeys } from './seal-keys.js';
export { seal, unseal } from './seal.js';
