import type { Identity } from './types.js';

/** The identity of a request to a free resource: every field empty. */
export const FREE_IDENTITY: Identity = Object.freeze({
  payer: '',
  tokenId: '',
  claims: Object.freeze({}) as Record<string, string>,
  scope: '',
});
