/**
 * Counts what the processes of the storm logged, so the report says why an answer went wrong:
 * NGINX error-log lines by message and upstream (ports replaced by the replica's name, with the
 * seconds since the storm started when they were logged), and the services' pino lines (warn
 * and above) by message and error code.
 */

/** `message → count`, most frequent first. */
export type Digest = Array<[string, number]>;

function count(keys: Iterable<string>): Digest {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

const NGINX_LINE = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/;

/**
 * NGINX error-log lines as `[level] message ← upstream (t=+a..+b s)`: `names` maps `127.0.0.1:port`
 * to a replica name; times are whole seconds after `startedAt` (epoch ms, local time as NGINX logs).
 */
export function nginxErrorDigest(log: string, names: ReadonlyMap<string, string>, startedAt: number): Digest {
  const seen = new Map<string, { n: number; first: number; last: number }>();
  for (const line of log.split('\n')) {
    const m = NGINX_LINE.exec(line);
    if (m === null) continue;
    const [, y, mo, d, h, mi, s, level, rest] = m;
    const at = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
    const t = Math.floor((at - startedAt) / 1000);
    const message = rest!.replace(/, client: .*$/, '');
    const upstream = /upstream: "http:\/\/([\d.]+:\d+)([^"?]*)/.exec(rest!);
    const where =
      upstream === null
        ? ''
        : ` ← ${names.get(upstream[1]!) ?? upstream[1]}${upstream[2]!.replace(/\/premium\/storm\/\d+/, '/premium/storm/N')}`;
    const key = `[${level}] ${message}${where}`;
    const entry = seen.get(key) ?? { n: 0, first: t, last: t };
    entry.n++;
    entry.first = Math.min(entry.first, t);
    entry.last = Math.max(entry.last, t);
    seen.set(key, entry);
  }
  return [...seen.entries()]
    .map(([k, e]): [string, number] => [`${k} (t=+${e.first}..+${e.last} s)`, e.n])
    .sort((a, b) => b[1] - a[1]);
}

/** The service's pino JSON lines at warn (40) and above, by `msg` and error name/code; other lines as they are. */
export function serviceLogDigest(output: string): Digest {
  return count(
    output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          const j = JSON.parse(l) as {
            level?: number;
            msg?: string;
            err?: { name?: string; code?: string };
            reason?: string;
          };
          if ((j.level ?? 0) < 40) return [];
          const err =
            j.err === undefined
              ? ''
              : ` [${j.err.name ?? ''}${j.err.code === undefined ? '' : ` ${j.err.code}`}]`;
          return [`${j.msg ?? '?'}${err}${j.reason === undefined ? '' : ` (${j.reason})`}`];
        } catch {
          return [l.slice(0, 160)];
        }
      }),
  );
}

export function formatDigest(title: string, digest: Digest, max = 15): string {
  if (digest.length === 0) return `${title}: nothing`;
  return [`${title}:`, ...digest.slice(0, max).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`)].join(
    '\n',
  );
}
