import type { Registry } from 'prom-client';

/**
 * Counters and a histogram for the hot path, exposed through the prom-client registry. prom-client
 * hashes the labels object on every inc/observe (even through a bound child); these keep one
 * entry per label set, found by a joined key, so recording a decision is a Map lookup and an add.
 * They implement the part of prom-client's metric contract the registry uses (`name`, `help`,
 * `type`, `aggregator`, `get()`, `reset()`), with the same `inc`/`observe`/`labels` calls.
 */
interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: MetricValue[];
}

const SEP = '\u0000';

export class FastCounter<L extends string> {
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  readonly #entries = new Map<
    string,
    { labels: Record<L, string>; value: number; inc: (value?: number) => void }
  >();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    registry: Registry,
  ) {
    (registry as unknown as { registerMetric(m: unknown): void }).registerMetric(this);
  }

  /** The entry for these label values (bound once, then reused). */
  labels(...values: string[]): { inc: (value?: number) => void } {
    const key = values.join(SEP);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const labels = {} as Record<L, string>;
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      const created = {
        labels,
        value: 0,
        inc: (value = 1) => {
          created.value += value;
        },
      };
      entry = created;
      this.#entries.set(key, entry);
    }
    return entry;
  }

  inc(labels: Record<L, string>, value = 1): void {
    this.labels(...this.labelNames.map((n) => labels[n])).inc(value);
  }

  get(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.#entries.values()].map((e) => ({ labels: { ...e.labels }, value: e.value })),
    };
  }

  reset(): void {
    for (const e of this.#entries.values()) e.value = 0;
  }
}

export class FastHistogram<L extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #entries = new Map<
    string,
    {
      labels: Record<L, string>;
      counts: Float64Array;
      sum: number;
      count: number;
      observe: (v: number) => void;
    }
  >();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    (registry as unknown as { registerMetric(m: unknown): void }).registerMetric(this);
  }

  labels(...values: string[]): { observe: (value: number) => void } {
    const key = values.join(SEP);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const labels = {} as Record<L, string>;
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      const buckets = this.buckets;
      const created = {
        labels,
        counts: new Float64Array(buckets.length),
        sum: 0,
        count: 0,
        observe: (v: number) => {
          created.sum += v;
          created.count += 1;
          for (let i = 0; i < buckets.length; i++) {
            if (v <= (buckets[i] as number)) {
              created.counts[i] = (created.counts[i] as number) + 1;
              return;
            }
          }
        },
      };
      entry = created;
      this.#entries.set(key, entry);
    }
    return entry;
  }

  observe(labels: Record<L, string>, value: number): void {
    this.labels(...this.labelNames.map((n) => labels[n])).observe(value);
  }

  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    for (const e of this.#entries.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += e.counts[i] as number;
        values.push({ labels: { le, ...e.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...e.labels }, value: e.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...e.labels }, value: e.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...e.labels }, value: e.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const e of this.#entries.values()) {
      e.counts.fill(0);
      e.sum = 0;
      e.count = 0;
    }
  }
}
