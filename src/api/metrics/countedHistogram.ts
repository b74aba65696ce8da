// A Prometheus histogram whose buckets are counted elsewhere (by a query of the read tables at scrape time)
// and handed over whole, instead of observed one value at a time in this process. It is a prom-client
// Histogram, so the registry writes it like every other: `_bucket{le}` (cumulative), `_sum`, `_count`.
import { Histogram, type Registry } from 'prom-client';

export interface CountedSeries<L extends string> {
  labels: Record<L, string>;
  /** Observations at most each upper bound, in the bounds' order (cumulative). */
  buckets: number[];
  count: number;
  sum: number;
}

type Exported<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;

export class CountedHistogram<L extends string> extends Histogram<L> {
  private series: CountedSeries<L>[] = [];

  constructor(
    private readonly spec: {
      name: string;
      help: string;
      labelNames: L[];
      buckets: number[];
      registers: Registry[];
    },
  ) {
    super(spec);
  }

  /** The counts the next scrape exports (the previous ones are dropped). */
  setSeries(series: CountedSeries<L>[]): void {
    for (const s of series) {
      if (s.buckets.length !== this.spec.buckets.length)
        throw new Error(
          `${this.spec.name}: ${s.buckets.length} bucket counts for ${this.spec.buckets.length} bounds`,
        );
    }
    this.series = series;
  }

  override reset(): void {
    super.reset();
    this.series = [];
  }

  /** The JSON form (getMetricsAsJSON): each value's labels whole. */
  override get(): Promise<Exported<L>> {
    const text = this.exported();
    const values = text.values.map(({ labels, sharedLabels, ...v }) => ({
      ...v,
      labels: { ...labels, ...sharedLabels },
    }));
    return Promise.resolve({ ...text, values } as unknown as Exported<L>);
  }

  /**
   * What the registry reads when it writes the text format (prom-client's Histogram has it too): the
   * series' labels as `sharedLabels`, after `le`, as Histogram writes them.
   */
  getForPromString(): Promise<Exported<L>> {
    return Promise.resolve(this.exported() as unknown as Exported<L>);
  }

  private exported() {
    const { name, help, buckets } = this.spec;
    const value = (
      suffix: string,
      sharedLabels: Record<string, string>,
      n: number,
      le?: number | string,
    ) => ({
      metricName: `${name}_${suffix}`,
      labels: le === undefined ? {} : { le },
      sharedLabels,
      value: n,
    });
    const values = this.series.flatMap((s) => [
      ...buckets.map((le, i) => value('bucket', s.labels, s.buckets[i] ?? 0, le)),
      value('bucket', s.labels, s.count, '+Inf'),
      value('sum', s.labels, s.sum),
      value('count', s.labels, s.count),
    ]);
    // prom-client's typings give `type` as a numeric enum that its JavaScript does not export; the
    // registry writes the string, as Histogram's own get() returns it.
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }
}
