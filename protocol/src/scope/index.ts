export { normalizePath, MAX_TARGET_BYTES, type NormalizedTarget } from './normalize-path.js';
export { scopeCovers } from './scope-covers.js';
