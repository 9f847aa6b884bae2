import type { ExitCode } from './errors.js';

/** What a command hands back: data for --json, the text for people, and how to exit. */
export interface CommandResult {
  data: unknown;
  text: string;
  /** Default 0. */
  exitCode?: ExitCode;
  /** Printed to stderr (text mode) or as `warnings` (JSON mode). */
  warnings?: string[];
}

/** JSON with bigints as decimal strings (amounts are exact atomic units). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** A plain aligned table; an empty list prints `(none)`. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return '(none)';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled. */
export function renderCsv(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [headers, ...rows].map((r) => r.map(field).join(',')).join('\n');
}
