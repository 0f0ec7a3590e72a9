import type { Metric, MetricValue, Registry } from 'prom-client';

export interface RequestHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
  /** A counter of the same observations, exposed under this name and help (one observation feeds both). */
  counter: { name: string; help: string };
}

/** One label set's observations. */
export interface RequestSeries {
  observe(value: number): void;
}

interface Series extends RequestSeries {
  labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

type Values = (MetricValue<string> & {
  metricName?: string;
  sharedLabels?: Readonly<Record<string, string>>;
  exemplar?: null;
})[];

/**
 * A Prometheus histogram, and a counter of the same observations, for the one observation every
 * GraphQL request makes: an observation is a bucket search and three additions. prom-client's
 * Histogram and Counter children hash their labels and validate them on each call, which cost an
 * eighth of a cached answer's throughput. Both are registered in the registry as any metric, and read
 * as prom-client's own histogram and counter would be.
 */
export class RequestHistogram<L extends string> {
  readonly #options: RequestHistogramOptions<L>;
  readonly #series = new Map<string, Series>();

  constructor(options: RequestHistogramOptions<L>) {
    this.#options = options;
    const histogram = this.#metric(options.name, options.help, 'histogram', () => this.#histogramValues());
    const counter = this.#metric(options.counter.name, options.counter.help, 'counter', () =>
      [...this.#series.values()].map((series) => ({ labels: series.labels, value: series.count })),
    );
    for (const registry of options.registers) {
      registry.registerMetric(histogram);
      registry.registerMetric(counter);
    }
  }

  /** The series of one label set (made on first use). */
  series(labels: Readonly<Record<L, string>>): RequestSeries {
    let key = '';
    for (const name of this.#options.labelNames) key += `${labels[name]}\0`;
    let series = this.#series.get(key);
    if (!series) {
      const bounds = this.#options.buckets;
      const made: Series = {
        labels: { ...labels },
        counts: new Array<number>(bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
        observe(value) {
          let bucket = 0;
          while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
          made.counts[bucket] = (made.counts[bucket] as number) + 1;
          made.sum += value;
          made.count++;
        },
      };
      series = made;
      this.#series.set(key, series);
    }
    return series;
  }

  /** prom-client's form: each bucket's `le` in `labels`, the series' labels shared. */
  #histogramValues(): Values {
    const { name, buckets } = this.#options;
    const values: Values = [];
    for (const series of this.#series.values()) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      buckets.forEach((bound, bucket) => {
        cumulative += series.counts[bucket] as number;
        values.push({
          labels: { le: bound },
          sharedLabels,
          value: cumulative,
          metricName: `${name}_bucket`,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels,
          value: series.count,
          metricName: `${name}_bucket`,
          exemplar: null,
        },
        { labels: {}, sharedLabels, value: series.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels, value: series.count, metricName: `${name}_count` },
      );
    }
    return values;
  }

  /**
   * What a prom-client Registry reads of a metric: its name, help and type, its values for the text
   * format (`getForPromString`) and for JSON (`get`, shared labels merged in), and `reset`.
   */
  #metric(name: string, help: string, type: 'histogram' | 'counter', values: () => Values): Metric {
    const read = (forText: boolean) => ({
      name,
      help,
      type,
      aggregator: 'sum',
      values: forText
        ? values()
        : values().map(({ sharedLabels = {}, labels, ...value }) => ({
            ...value,
            labels: { ...labels, ...sharedLabels },
          })),
    });
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      getForPromString: async () => read(true),
      get: async () => read(false),
      reset: () => this.#series.clear(),
    };
    return metric as unknown as Metric;
  }
}
