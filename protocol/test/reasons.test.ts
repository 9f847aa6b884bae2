import { readFileSync } from 'node:fs';
import {
  PATH_REASONS,
  ProtocolError,
  REASONS,
  REQUEST_REASONS,
  isProtocolError,
  isReason,
} from '@turnpike/protocol';

describe('REASONS', () => {
  const values = Object.values(REASONS);

  it('maps UPPER_SNAKE keys to their snake_case values', () => {
    for (const [key, value] of Object.entries(REASONS)) {
      expect(value).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(key).toBe(value.toUpperCase());
    }
  });

  it('has no duplicate values', () => {
    expect(new Set(values).size).toBe(values.length);
  });

  it('lists every value in docs/reasons.md', () => {
    const doc = readFileSync(new URL('../../docs/reasons.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(values.filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !isReason(v))).toEqual([]);
  });

  it('groups request and path reasons from REASONS', () => {
    for (const r of [...REQUEST_REASONS, ...PATH_REASONS]) expect(isReason(r)).toBe(true);
  });

  it('isReason refuses anything else', () => {
    expect(isReason('payment_required')).toBe(true);
    expect(isReason('PAYMENT_REQUIRED')).toBe(false);
    expect(isReason('toString')).toBe(false);
    expect(isReason(undefined)).toBe(false);
    expect(isReason(42)).toBe(false);
  });
});

describe('ProtocolError', () => {
  it('carries code, detail, cause and its class name', () => {
    const cause = new Error('inner');
    const err = new ProtocolError(REASONS.AMOUNT_TOO_PRECISE, 'more than 6 decimal places', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProtocolError');
    expect(err.code).toBe('amount_too_precise');
    expect(err.detail).toBe('more than 6 decimal places');
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('amount_too_precise: more than 6 decimal places');
    expect(isProtocolError(err)).toBe(true);
    expect(isProtocolError(err, REASONS.AMOUNT_TOO_PRECISE)).toBe(true);
    expect(isProtocolError(err, REASONS.AMOUNT_NOT_POSITIVE)).toBe(false);
    expect(isProtocolError(cause)).toBe(false);
  });

  it('omits detail when none is given', () => {
    const err = new ProtocolError(REASONS.NETWORK_UNKNOWN);
    expect(err.message).toBe('network_unknown');
    expect(err.detail).toBeUndefined();
  });
});
