import { REASONS } from '@turnpike/protocol';
import { z } from 'zod';
import { PortalError } from '../../errors.js';

const DAY_MS = 86_400_000;
/** The longest revenue range one request may ask for. */
export const MAX_RANGE_DAYS = 366;
/** The default revenue range: the last 30 days (UTC), today included. */
export const DEFAULT_RANGE_DAYS = 30;
/** Rows per list report at most; default {@link DEFAULT_LIMIT}. */
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a calendar day');
const siteId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a site id');
const network = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a network name');
/** An asset by symbol (USDC), 'native', a token contract or a mint. */
const asset = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an asset symbol or id');

/** Filters every report accepts (each optional): one site, one network, one asset. */
export const reportFilterSchema = z.strictObject({
  site: siteId.optional(),
  network: network.optional(),
  asset: asset.optional(),
});

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD` (UTC days, both inclusive) plus the filters. */
export const revenueQuerySchema = reportFilterSchema.extend({
  from: day.optional(),
  to: day.optional(),
});

/** `?limit=` plus the filters. */
export const listQuerySchema = reportFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
});

export type ReportFilter = z.infer<typeof reportFilterSchema>;
export type ListQuery = z.infer<typeof listQuerySchema>;

/** A revenue range: whole UTC days `[from, to]`, as the first instant of each and the day after `to`. */
export interface DayRange {
  fromDay: string;
  toDay: string;
  /** Inclusive lower bound. */
  start: Date;
  /** Exclusive upper bound (00:00 UTC of the day after toDay). */
  end: Date;
  days: string[];
}

/** Parses `input` (an Express query) with `schema`, or throws 400 `admin_query_invalid` naming every problem. */
export function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
  throw new PortalError(REASONS.ADMIN_QUERY_INVALID, 400, problems.join('; '));
}

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** The range of `from`/`to` (defaults: the last {@link DEFAULT_RANGE_DAYS} days up to today). */
export function dayRange(
  q: { from?: string | undefined; to?: string | undefined },
  now = new Date(),
): DayRange {
  const toDay = q.to ?? dayOf(now);
  const end = new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS);
  const fromDay = q.from ?? dayOf(new Date(end.getTime() - DEFAULT_RANGE_DAYS * DAY_MS));
  const start = new Date(`${fromDay}T00:00:00Z`);
  const count = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  if (count < 1) throw new PortalError(REASONS.ADMIN_QUERY_INVALID, 400, 'from: after to');
  if (count > MAX_RANGE_DAYS)
    throw new PortalError(REASONS.ADMIN_QUERY_INVALID, 400, `from..to: more than ${MAX_RANGE_DAYS} days`);
  const days = Array.from({ length: count }, (_, i) => dayOf(new Date(start.getTime() + i * DAY_MS)));
  return { fromDay, toDay, start, end, days };
}
