// A histogram counted elsewhere is written in the Prometheus text format as an observed one would be:
// cumulative _bucket{le} lines ending in +Inf, _sum and _count, per label set; a new reading replaces the
// old one, so series that are gone leave.
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountedHistogram } from './countedHistogram.js';

const spec = (registry: Registry) => ({
  name: 'x_duration_seconds',
  help: 'durations',
  labelNames: ['category' as const],
  buckets: [1, 5],
  registers: [registry],
});

describe('CountedHistogram', () => {
  it('writes the same text as a Histogram that observed the same values', async () => {
    const counted = new Registry();
    const observed = new Registry();
    new CountedHistogram(spec(counted)).setSeries([
      { labels: { category: 'account' }, buckets: [1, 2], count: 3, sum: 9.5 },
    ]);
    const h = new Histogram(spec(observed));
    for (const v of [0.5, 2, 7]) h.observe({ category: 'account' }, v);
    expect(await counted.metrics()).toBe(await observed.metrics());
    expect(await counted.metrics()).toContain('x_duration_seconds_bucket{le="+Inf",category="account"} 3');
    // The JSON form too (prom-client adds an exemplar: null of its own).
    expect(await observed.getMetricsAsJSON()).toMatchObject(await counted.getMetricsAsJSON());
  });

  it('replaces its series on each reading and refuses counts that do not fit its bounds', async () => {
    const registry = new Registry();
    const histogram = new CountedHistogram(spec(registry));
    histogram.setSeries([{ labels: { category: 'account' }, buckets: [1, 1], count: 1, sum: 1 }]);
    histogram.setSeries([{ labels: { category: 'capacity' }, buckets: [0, 2], count: 2, sum: 6 }]);
    const text = await registry.metrics();
    expect(text).toContain('x_duration_seconds_count{category="capacity"} 2');
    expect(text).not.toContain('account');
    histogram.reset();
    expect(await registry.metrics()).not.toContain('capacity');
    expect(() =>
      histogram.setSeries([{ labels: { category: 'account' }, buckets: [1], count: 1, sum: 1 }]),
    ).toThrow(/1 bucket counts for 2 bounds/);
  });
});
