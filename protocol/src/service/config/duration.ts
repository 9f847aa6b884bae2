import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration into whole milliseconds: a number is milliseconds; a string is a number with a
 * unit `ms`, `s`, `m`, `h` or `d` ("250ms", "5s", "1.5h"). Returns undefined when it does not parse.
 */
export function parseDurationMs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A config field holding a duration (see {@link parseDurationMs}); the output is milliseconds. */
export const durationMsSchema = z.union([z.number(), z.string()]).transform((value, ctx): number => {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a duration: milliseconds, or a number with ms, s, m, h or d ("5s")',
    });
    return z.NEVER;
  }
  return ms;
});
