import { isProtocolError, normalizePath, type NormalizedTarget, type Reason } from '@turnpike/protocol';

/** Targets longer than this are normalised every time (keeps the memo's memory small). */
const MAX_MEMO_TARGET_CHARS = 512;
const MAX_MEMO_ENTRIES = 20_000;

/**
 * normalizePath with a bounded memo: gateways ask about the same few thousand targets over and
 * over, and the normalisation walks the string character by character. A refusal is memoised as
 * its reason. When full, the memo starts over (cheaper than LRU bookkeeping on the hot path).
 */
export function createNormalizer(): (target: string) => NormalizedTarget | Reason {
  const memo = new Map<string, NormalizedTarget | Reason>();
  return (target) => {
    const hit = memo.get(target);
    if (hit !== undefined) return hit;
    let result: NormalizedTarget | Reason;
    try {
      result = Object.freeze(normalizePath(target));
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      result = err.code;
    }
    if (target.length <= MAX_MEMO_TARGET_CHARS) {
      if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
      memo.set(target, result);
    }
    return result;
  };
}
