/** Memory slope of a series of samples: least-squares line through (minutes, MiB). */
export interface Sample {
  /** Seconds since the load started. */
  t: number;
  mib: number;
}

export interface SlopeFit {
  /** MiB per minute (least squares over the samples after the warm-up). */
  slopeMiBPerMin: number;
  /** The same fit over the last half of those samples: steeper than the whole = still accelerating. */
  lastHalfSlopeMiBPerMin: number;
  samples: number;
  firstMiB: number;
  lastMiB: number;
  maxMiB: number;
}

function leastSquares(points: Sample[]): number {
  if (points.length < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p.t, 0) / points.length;
  const my = points.reduce((a, p) => a + p.mib, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mx) * (p.mib - my);
    den += (p.t - mx) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60;
}

/** Fits the samples taken at or after `warmupSeconds`. */
export function fitSlope(samples: Sample[], warmupSeconds: number): SlopeFit {
  // A figure the process had not reported yet is NaN: left out.
  const all = samples.filter((s) => Number.isFinite(s.mib));
  const points = all.filter((s) => s.t >= warmupSeconds);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    slopeMiBPerMin: r2(leastSquares(points)),
    lastHalfSlopeMiBPerMin: r2(leastSquares(points.slice(Math.floor(points.length / 2)))),
    samples: points.length,
    firstMiB: r2(points[0]?.mib ?? Number.NaN),
    lastMiB: r2(points.at(-1)?.mib ?? Number.NaN),
    maxMiB: r2(Math.max(...all.map((s) => s.mib))),
  };
}
