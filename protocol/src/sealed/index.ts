export { deriveSealKeys, type SealKeys } from './seal-keys.js';
export { seal, unseal } from './seal.js';
