/** Two decimals: enough for milliseconds and rates in the results files. */
export const round = (x: number): number => Math.round(x * 100) / 100;

/** Count, mean, p50, p90 and max of a set of samples (nearest-rank quantiles), rounded. */
export function stats(xs: number[]): { n: number; mean: number; p50: number; p90: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return {
    n: s.length,
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
    p50: round(q(0.5)),
    p90: round(q(0.9)),
    max: round(s.at(-1) as number),
  };
}
