import { createPayLinkMinter } from '../challenges/mint-pay-link.js';
import type { ResolvedRequirement } from '../core/types.js';
import type { RenderDeps } from './render-denial.js';

const minters = new WeakMap<RenderDeps, (r: ResolvedRequirement) => string>();

/**
 * The pay link of a 402 (browser and API alike), from the minter of these deps: one per running
 * authorizer, so links are handed out again by the instance that sealed them.
 */
export function payLinkFor(r: ResolvedRequirement, deps: RenderDeps): string {
  let mint = minters.get(deps);
  if (mint === undefined) {
    mint = createPayLinkMinter({
      key: deps.sealKeys.payLink,
      prefix: deps.publicPathPrefix,
      ttlSeconds: deps.payLinkTtlSeconds,
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
    minters.set(deps, mint);
  }
  return mint(r);
}
